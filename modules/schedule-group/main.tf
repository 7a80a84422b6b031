resource "aws_scheduler_schedule_group" "this" {
  name = var.name
  tags = var.tags
}

# Schedule payloads hold the SQL; a customer managed key lets you audit and revoke its use. The
# key policy delegates to IAM: the execution role is granted kms:Decrypt on this key explicitly.
resource "aws_kms_key" "this" {
  count = var.kms_key == null ? 1 : 0

  description             = "Encrypts the payloads (SQL) of EventBridge Scheduler schedules in ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.key_deletion_window_in_days
  tags                    = var.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "this" {
  count = var.kms_key == null ? 1 : 0

  name          = "alias/${var.name}-schedules"
  target_key_id = aws_kms_key.this[0].key_id
}

# The group's own key was a single resource before a shared or existing key could be given.
moved {
  from = aws_kms_key.this
  to   = aws_kms_key.this[0]
}

moved {
  from = aws_kms_alias.this
  to   = aws_kms_alias.this[0]
}

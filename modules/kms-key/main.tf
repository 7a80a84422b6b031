locals {
  statements = concat(
    [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ],
    # SNS encrypts with the publisher's rights: EventBridge, publishing to the spec's topics,
    # needs these two actions on the key. An AWS managed key cannot grant them.
    var.eventbridge_may_publish ? [
      {
        Sid       = "EventBridgePublishesEncrypted"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ] : [],
  )
}

# One key for every topic and the schedule group of a spec (kms_key: shared): about 1 USD a month
# instead of one per resource. The account administers it through IAM, so the schedule role's own
# kms:Decrypt grant (schedule payloads) works without a key policy statement of its own.
resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = jsonencode({ Version = "2012-10-17", Statement = local.statements })
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.alias
  target_key_id = aws_kms_key.this.key_id
}

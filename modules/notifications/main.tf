locals {
  root_arn    = "arn:${var.partition}:iam::${var.account_id}:root"
  kms_key_arn = var.kms_key == null ? aws_kms_key.this[0].arn : var.kms_key.arn

  # An AWS managed key (alias/aws/sns) cannot let EventBridge use it, and deliveries would be dropped
  # silently; a customer managed key whose policy names events.amazonaws.com is what works.
  key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.root_arn }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgePublishesEncrypted"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  }

  topic_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ScheduledQueryRulesPublish"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { ArnEquals = { "aws:SourceArn" = var.publisher_rule_arns } }
      },
    ]
  }
}

resource "aws_kms_key" "this" {
  count = var.kms_key == null ? 1 : 0

  description             = "Encrypts SNS topic ${var.name} (Redshift scheduled query notifications)"
  enable_key_rotation     = true
  deletion_window_in_days = var.key_deletion_window_in_days
  policy                  = jsonencode(local.key_policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key == null ? 1 : 0

  name          = "alias/${var.name}-sns"
  target_key_id = aws_kms_key.this[0].key_id
}

# The topic's own key was a single resource before a shared or existing key could be given.
moved {
  from = aws_kms_key.this
  to   = aws_kms_key.this[0]
}

moved {
  from = aws_kms_alias.this
  to   = aws_kms_alias.this[0]
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  count = length(var.publisher_rule_arns) == 0 ? 0 : 1

  arn    = aws_sns_topic.this.arn
  policy = jsonencode(local.topic_policy)
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.emails)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

# The baseline the benchmark compares rsqgen's output with: the same resources, written by hand
# as plain for_each over one input variable (no modules, no validations). bench/run.py writes
# terraform.tfvars.json from the same spec. Not a template for users: it has none of the checks.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.46, < 7"
    }
  }
}

provider "aws" {
  region = local.d.region
}

variable "d" {
  description = "The deployment, decided by rsqgen's plan step for the same spec."
  type        = any
}

locals {
  d         = var.d
  rules     = { for q in local.d.queries : q.key => q if q.backend == "rule" }
  schedules = { for q in local.d.queries : q.key => q if q.backend == "scheduler" }
  triggers  = { for q in local.d.queries : q.key => q if q.trigger_topic != null }
  statuses  = { for q in local.d.queries : q.key => q if q.status != null }
  emails    = { for pair in flatten([for k, t in local.d.topics : [for e in t.emails : { key = "${k}/${e}", topic = k, email = e }]]) : pair.key => pair }
}

resource "aws_iam_role" "scheduler" {
  name               = local.d.role.name
  assume_role_policy = jsonencode(local.d.role.trust)
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "scheduled-query-permissions"
  role   = aws_iam_role.scheduler.id
  policy = jsonencode(local.d.role.permissions)
}

resource "aws_iam_policy" "overflow" {
  for_each = local.d.role.managed
  name     = "${local.d.role.name}-${each.key}"
  policy   = jsonencode(each.value)
}

resource "aws_iam_role_policy_attachment" "overflow" {
  for_each   = local.d.role.managed
  role       = aws_iam_role.scheduler.name
  policy_arn = aws_iam_policy.overflow[each.key].arn
}

resource "aws_iam_group" "operators" {
  name = local.d.operators.group
}

resource "aws_iam_group_policy" "operators" {
  name   = "manage-scheduled-queries"
  group  = aws_iam_group.operators.name
  policy = jsonencode(local.d.operators.policy)
}

resource "aws_iam_user" "operators" {
  for_each = toset(local.d.operators.created)
  name     = each.key
}

resource "aws_iam_user_group_membership" "operators" {
  for_each = toset(local.d.operators.users)
  user     = each.key
  groups   = [aws_iam_group.operators.name]

  depends_on = [aws_iam_user.operators]
}

resource "aws_kms_key" "topic" {
  for_each            = local.d.topics
  enable_key_rotation = true
  policy              = jsonencode(each.value.key_policy)
}

resource "aws_kms_alias" "topic" {
  for_each      = local.d.topics
  name          = "alias/${each.value.name}-sns"
  target_key_id = aws_kms_key.topic[each.key].key_id
}

resource "aws_sns_topic" "topic" {
  for_each          = local.d.topics
  name              = each.value.name
  kms_master_key_id = aws_kms_key.topic[each.key].arn
}

resource "aws_sns_topic_policy" "topic" {
  for_each = local.d.topics
  arn      = aws_sns_topic.topic[each.key].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.topic[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = each.value.publishers } }
    }]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = local.emails
  topic_arn = aws_sns_topic.topic[each.value.topic].arn
  protocol  = "email"
  endpoint  = each.value.email
}

resource "aws_scheduler_schedule_group" "this" {
  count = length(local.schedules) > 0 ? 1 : 0
  name  = local.d.schedule_group
}

resource "aws_kms_key" "schedules" {
  count               = length(local.schedules) > 0 ? 1 : 0
  enable_key_rotation = true
  policy              = jsonencode(local.d.schedule_key_policy)
}

resource "aws_kms_alias" "schedules" {
  count         = length(local.schedules) > 0 ? 1 : 0
  name          = "alias/${local.d.schedule_group}-schedules"
  target_key_id = aws_kms_key.schedules[0].key_id
}

resource "aws_cloudwatch_event_rule" "query" {
  for_each            = local.rules
  name                = each.value.name
  description         = each.value.description
  schedule_expression = each.value.schedule_expression
  state               = each.value.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "redshift" {
  for_each  = local.rules
  rule      = aws_cloudwatch_event_rule.query[each.key].name
  target_id = "redshift-data"
  arn       = each.value.target_arn
  role_arn  = aws_iam_role.scheduler.arn

  redshift_target {
    database            = each.value.database
    db_user             = each.value.db_user
    secrets_manager_arn = each.value.secret_arn
    sql                 = each.value.sql[0]
    statement_name      = each.value.name
    with_event          = each.value.with_event
  }
}

resource "aws_cloudwatch_event_target" "trigger" {
  for_each  = local.triggers
  rule      = aws_cloudwatch_event_rule.query[each.key].name
  target_id = "notify-trigger"
  arn       = aws_sns_topic.topic[each.value.trigger_topic].arn
}

resource "aws_scheduler_schedule" "query" {
  for_each                     = local.schedules
  name                         = each.value.name
  group_name                   = aws_scheduler_schedule_group.this[0].name
  description                  = each.value.description
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.timezone
  state                        = each.value.enabled ? "ENABLED" : "DISABLED"
  kms_key_arn                  = aws_kms_key.schedules[0].arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:scheduler:::aws-sdk:redshiftdata:${length(each.value.sql) > 1 ? "batchExecuteStatement" : "executeStatement"}"
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode(each.value.request)
  }
}

resource "aws_cloudwatch_event_rule" "status" {
  for_each = local.statuses
  name     = each.value.status.rule_name
  state    = each.value.enabled ? "ENABLED" : "DISABLED"
  event_pattern = jsonencode({
    source        = ["aws.redshift-data"]
    "detail-type" = ["Redshift Data Statement Status Change"]
    detail        = { statementName = [each.value.name], state = each.value.status.states }
  })
}

resource "aws_cloudwatch_event_target" "status" {
  for_each  = local.statuses
  rule      = aws_cloudwatch_event_rule.status[each.key].name
  target_id = "notify-status"
  arn       = aws_sns_topic.topic[each.value.status.topic].arn
}

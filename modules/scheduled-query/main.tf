resource "aws_cloudwatch_event_rule" "this" {
  name                = var.name
  description         = var.description
  schedule_expression = var.schedule_expression
  state               = var.enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "redshift" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "redshift-data"
  arn       = var.target_arn
  role_arn  = var.role_arn

  redshift_target {
    database            = var.database
    db_user             = var.db_user
    secrets_manager_arn = var.secret_arn
    sql                 = var.sql
    # The Data API requires the statement name to equal the rule name.
    statement_name = aws_cloudwatch_event_rule.this.name
    with_event     = var.with_event
  }

  lifecycle {
    precondition {
      condition     = var.db_user == null || var.secret_arn == null
      error_message = "Set at most one of db_user and secret_arn."
    }
  }
}

resource "aws_cloudwatch_event_target" "trigger" {
  count = var.trigger_topic_arn == null ? 0 : 1

  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "notify-trigger"
  arn       = var.trigger_topic_arn
}

resource "aws_cloudwatch_event_rule" "status" {
  count = var.status_notification == null ? 0 : 1

  name        = var.status_notification.rule_name
  description = "Status of scheduled query ${var.name}: ${join(", ", var.status_notification.states)}"
  state       = var.enabled ? "ENABLED" : "DISABLED"
  tags        = var.tags

  event_pattern = jsonencode({
    source        = ["aws.redshift-data"]
    "detail-type" = ["Redshift Data Statement Status Change"]
    detail = {
      statementName = [var.name]
      state         = var.status_notification.states
    }
  })

  lifecycle {
    precondition {
      condition     = var.with_event
      error_message = "A status notification needs with_event = true on the query."
    }
  }
}

resource "aws_cloudwatch_event_target" "status" {
  count = var.status_notification == null ? 0 : 1

  rule      = aws_cloudwatch_event_rule.status[0].name
  target_id = "notify-status"
  arn       = var.status_notification.topic_arn
}

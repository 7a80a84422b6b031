resource "aws_cloudwatch_event_rule" "this" {
  name                = var.name
  description         = var.description
  schedule_expression = var.schedule_expression
  state               = var.enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "redshift" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = var.target_id
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

  dynamic "retry_policy" {
    for_each = var.retry == null ? [] : [var.retry]
    content {
      maximum_event_age_in_seconds = retry_policy.value.maximum_event_age_in_seconds
      maximum_retry_attempts       = retry_policy.value.maximum_retry_attempts
    }
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter == null ? [] : [var.dead_letter]
    content {
      arn = dead_letter_config.value.arn
    }
  }

  lifecycle {
    precondition {
      condition     = var.db_user == null || var.secret_arn == null
      error_message = "Set at most one of db_user and secret_arn."
    }
  }
}

resource "aws_cloudwatch_event_target" "trigger" {
  for_each = var.triggers

  rule      = aws_cloudwatch_event_rule.this.name
  target_id = each.key
  arn       = each.value
}

# Before several topics per query, the one trigger target was count-based; its id was and stays
# notify-trigger, so existing deployments keep it in place.
moved {
  from = aws_cloudwatch_event_target.trigger[0]
  to   = aws_cloudwatch_event_target.trigger["notify-trigger"]
}

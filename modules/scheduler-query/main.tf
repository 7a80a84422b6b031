locals {
  batch = length(var.sqls) > 1

  # The Data API request, as the universal target sends it. Unset fields are left out, not null.
  request = { for k, v in {
    ClusterIdentifier = var.cluster_identifier
    WorkgroupName     = var.workgroup_name
    Database          = var.database
    DbUser            = var.db_user
    SecretArn         = var.secret_arn
    Sql               = local.batch ? null : var.sqls[0]
    Sqls              = local.batch ? var.sqls : null
    StatementName     = var.name
    WithEvent         = var.with_event
  } : k => v if v != null }
}

resource "aws_scheduler_schedule" "this" {
  name                         = var.name
  group_name                   = var.group_name
  description                  = var.description
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.timezone
  state                        = var.enabled ? "ENABLED" : "DISABLED"
  start_date                   = var.start_date
  end_date                     = var.end_date
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode                      = var.flexible_window_minutes == null ? "OFF" : "FLEXIBLE"
    maximum_window_in_minutes = var.flexible_window_minutes
  }

  target {
    # EventBridge Scheduler's universal target for the Redshift Data API.
    arn      = "arn:aws:scheduler:::aws-sdk:redshiftdata:${local.batch ? "batchExecuteStatement" : "executeStatement"}"
    role_arn = var.role_arn
    input    = jsonencode(local.request)

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
  }

  lifecycle {
    precondition {
      condition     = (var.cluster_identifier == null) != (var.workgroup_name == null)
      error_message = "Set exactly one of cluster_identifier and workgroup_name."
    }
  }
}

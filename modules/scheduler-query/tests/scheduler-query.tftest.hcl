# terraform test for modules/scheduler-query, offline: the AWS provider is mocked, and the
# schedule's computed ARN is given a known value at plan. The target's input is the Data API request
# itself, so the runs read it back with jsondecode.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_scheduler_schedule" {
    defaults = {
      arn = "arn:aws:scheduler:eu-west-1:111122223333:schedule/rsq-demo/QS2-daily-sales"
    }
  }
}

variables {
  name                = "QS2-daily-sales"
  group_name          = "rsq-demo"
  schedule_expression = "cron(0 3 * * ? *)"
  kms_key_arn         = "arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"
  role_arn            = "arn:aws:iam::111122223333:role/rsq-schedule"
  database            = "dev"
  sqls                = ["REFRESH MATERIALIZED VIEW daily_sales;"]
}

run "one_statement_on_a_cluster" {
  command = plan

  variables {
    description        = "Refresh the daily sales view"
    cluster_identifier = "rsq-dwh"
    db_user            = "rsadmin"
    with_event         = true
    retry = {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 2
    }
    dead_letter = { arn = "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq" }
  }

  assert {
    condition     = aws_scheduler_schedule.this.name == "QS2-daily-sales" && aws_scheduler_schedule.this.group_name == "rsq-demo"
    error_message = "The schedule has var.name, in var.group_name."
  }

  assert {
    condition     = aws_scheduler_schedule.this.description == "Refresh the daily sales view" && aws_scheduler_schedule.this.schedule_expression == "cron(0 3 * * ? *)"
    error_message = "The schedule has var.description and var.schedule_expression."
  }

  assert {
    condition     = aws_scheduler_schedule.this.schedule_expression_timezone == "UTC" && aws_scheduler_schedule.this.state == "ENABLED"
    error_message = "By default the schedule runs in UTC and is enabled."
  }

  assert {
    condition     = aws_scheduler_schedule.this.start_date == null && aws_scheduler_schedule.this.end_date == null
    error_message = "By default the schedule has no start or end date."
  }

  assert {
    condition     = aws_scheduler_schedule.this.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"
    error_message = "The payload (the SQL) is encrypted with var.kms_key_arn."
  }

  assert {
    condition     = aws_scheduler_schedule.this.flexible_time_window[0].mode == "OFF" && aws_scheduler_schedule.this.flexible_time_window[0].maximum_window_in_minutes == null
    error_message = "Without a flexible window the schedule runs on time."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].arn == "arn:aws:scheduler:::aws-sdk:redshiftdata:executeStatement"
    error_message = "One statement is sent with the universal target's ExecuteStatement."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].role_arn == "arn:aws:iam::111122223333:role/rsq-schedule"
    error_message = "Scheduler calls the Data API with var.role_arn."
  }

  assert {
    condition = jsondecode(aws_scheduler_schedule.this.target[0].input) == {
      ClusterIdentifier = "rsq-dwh"
      Database          = "dev"
      DbUser            = "rsadmin"
      Sql               = "REFRESH MATERIALIZED VIEW daily_sales;"
      StatementName     = "QS2-daily-sales"
      WithEvent         = true
    }
    error_message = "The request names the cluster, database and user, the SQL and the statement name, and leaves unset fields out."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].retry_policy[0].maximum_event_age_in_seconds == 3600 && aws_scheduler_schedule.this.target[0].retry_policy[0].maximum_retry_attempts == 2
    error_message = "The retry policy is var.retry."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq"
    error_message = "Failed invocations go to var.dead_letter."
  }

  assert {
    condition     = output.arn == "arn:aws:scheduler:eu-west-1:111122223333:schedule/rsq-demo/QS2-daily-sales"
    error_message = "Output arn is the schedule's ARN."
  }

  assert {
    condition     = output.name == "QS2-daily-sales"
    error_message = "Output name is the schedule's name (the statement name)."
  }
}

run "several_statements_on_a_workgroup_run_as_one_batch" {
  command = plan

  variables {
    workgroup_name          = "rsq-wg"
    secret_arn              = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rsq-db-AbCdEf"
    sqls                    = ["DELETE FROM daily_sales WHERE day = CURRENT_DATE;", "INSERT INTO daily_sales SELECT * FROM staging;"]
    enabled                 = false
    timezone                = "Asia/Tokyo"
    flexible_window_minutes = 15
    start_date              = "2026-01-01T00:00:00Z"
    end_date                = "2026-12-31T23:59:59Z"
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].arn == "arn:aws:scheduler:::aws-sdk:redshiftdata:batchExecuteStatement"
    error_message = "Several statements are sent with BatchExecuteStatement, as one transaction."
  }

  assert {
    condition = jsondecode(aws_scheduler_schedule.this.target[0].input) == {
      WorkgroupName = "rsq-wg"
      Database      = "dev"
      SecretArn     = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rsq-db-AbCdEf"
      Sqls          = ["DELETE FROM daily_sales WHERE day = CURRENT_DATE;", "INSERT INTO daily_sales SELECT * FROM staging;"]
      StatementName = "QS2-daily-sales"
      WithEvent     = false
    }
    error_message = "The batch request names the workgroup and the secret, carries Sqls (no Sql, no cluster, no user)."
  }

  assert {
    condition     = aws_scheduler_schedule.this.state == "DISABLED" && aws_scheduler_schedule.this.schedule_expression_timezone == "Asia/Tokyo"
    error_message = "The schedule follows var.enabled and var.timezone."
  }

  assert {
    condition     = aws_scheduler_schedule.this.flexible_time_window[0].mode == "FLEXIBLE" && aws_scheduler_schedule.this.flexible_time_window[0].maximum_window_in_minutes == 15
    error_message = "A flexible window of 15 minutes spreads the run."
  }

  assert {
    condition     = aws_scheduler_schedule.this.start_date == "2026-01-01T00:00:00Z" && aws_scheduler_schedule.this.end_date == "2026-12-31T23:59:59Z"
    error_message = "The schedule has var.start_date and var.end_date."
  }

  assert {
    condition     = length(aws_scheduler_schedule.this.target[0].retry_policy) == 0 && length(aws_scheduler_schedule.this.target[0].dead_letter_config) == 0
    error_message = "Without var.retry and var.dead_letter the target has neither block."
  }
}

run "forty_statements_are_accepted" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    sqls               = [for i in range(40) : "SELECT ${i};"]
  }

  assert {
    condition     = length(jsondecode(aws_scheduler_schedule.this.target[0].input).Sqls) == 40
    error_message = "A batch takes up to 40 statements."
  }
}

run "schedule_name_with_a_slash_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    name               = "QS2/daily-sales"
  }

  expect_failures = [var.name]
}

run "flexible_window_of_0_minutes_is_refused" {
  command = plan

  variables {
    cluster_identifier      = "rsq-dwh"
    flexible_window_minutes = 0
  }

  expect_failures = [var.flexible_window_minutes]
}

run "flexible_window_over_a_day_is_refused" {
  command = plan

  variables {
    cluster_identifier      = "rsq-dwh"
    flexible_window_minutes = 1441
  }

  expect_failures = [var.flexible_window_minutes]
}

run "no_statements_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    sqls               = []
  }

  expect_failures = [var.sqls]
}

run "more_than_40_statements_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    sqls               = [for i in range(41) : "SELECT ${i};"]
  }

  expect_failures = [var.sqls]
}

run "empty_statement_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    sqls               = ["SELECT 1;", ""]
  }

  expect_failures = [var.sqls]
}

run "statement_over_100000_characters_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    sqls               = [format("%0100001d", 0)]
  }

  expect_failures = [var.sqls]
}

run "cluster_and_workgroup_together_are_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh"
    workgroup_name     = "rsq-wg"
  }

  expect_failures = [aws_scheduler_schedule.this]
}

run "neither_cluster_nor_workgroup_is_refused" {
  command = plan

  expect_failures = [aws_scheduler_schedule.this]
}

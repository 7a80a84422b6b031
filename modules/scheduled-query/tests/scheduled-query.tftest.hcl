# terraform test for modules/scheduled-query, offline: the AWS provider is mocked, and the rule's
# computed ARN is given a known value at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-sales"
    }
  }
}

variables {
  name                = "QS2-daily-sales"
  schedule_expression = "cron(0 3 * * ? *)"
  target_arn          = "arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"
  role_arn            = "arn:aws:iam::111122223333:role/rsq-schedule"
  database            = "dev"
  sql                 = "REFRESH MATERIALIZED VIEW daily_sales;"
}

run "rule_runs_the_statement_on_the_cluster" {
  command = plan

  variables {
    description = "Refresh the daily sales view"
    db_user     = "rsadmin"
    with_event  = true
    tags        = { rsqgen = "demo" }
    triggers = {
      "notify-trigger" = "arn:aws:sns:eu-west-1:111122223333:rsq-runs"
      "notify-ops"     = "arn:aws:sns:eu-west-1:111122223333:rsq-ops"
    }
    retry = {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 2
    }
    dead_letter = { arn = "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq" }
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.name == "QS2-daily-sales" && aws_cloudwatch_event_rule.this.description == "Refresh the daily sales view"
    error_message = "The rule has var.name and var.description."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.schedule_expression == "cron(0 3 * * ? *)" && aws_cloudwatch_event_rule.this.state == "ENABLED"
    error_message = "The rule runs on var.schedule_expression and is enabled by default."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The rule carries var.tags."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.rule == "QS2-daily-sales" && aws_cloudwatch_event_target.redshift.target_id == "redshift-data"
    error_message = "The Data API target hangs off the rule with the id redshift-data by default."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.arn == "arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh" && aws_cloudwatch_event_target.redshift.role_arn == "arn:aws:iam::111122223333:role/rsq-schedule"
    error_message = "The target is the cluster, called with the schedule role."
  }

  assert {
    condition = alltrue([
      aws_cloudwatch_event_target.redshift.redshift_target[0].database == "dev",
      aws_cloudwatch_event_target.redshift.redshift_target[0].db_user == "rsadmin",
      aws_cloudwatch_event_target.redshift.redshift_target[0].secrets_manager_arn == null,
      aws_cloudwatch_event_target.redshift.redshift_target[0].sql == "REFRESH MATERIALIZED VIEW daily_sales;",
      aws_cloudwatch_event_target.redshift.redshift_target[0].statement_name == "QS2-daily-sales",
      aws_cloudwatch_event_target.redshift.redshift_target[0].with_event == true,
    ])
    error_message = "The Redshift target runs the SQL as given, as db_user, with the rule's name as statement name."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.retry_policy[0].maximum_event_age_in_seconds == 3600 && aws_cloudwatch_event_target.redshift.retry_policy[0].maximum_retry_attempts == 2
    error_message = "The retry policy is var.retry."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq"
    error_message = "Undeliverable events go to var.dead_letter."
  }

  assert {
    condition     = keys(aws_cloudwatch_event_target.trigger) == ["notify-ops", "notify-trigger"]
    error_message = "One trigger target per topic, keyed by target id."
  }

  assert {
    condition = {
      for id, t in aws_cloudwatch_event_target.trigger : id => [t.rule, t.target_id, t.arn]
      } == {
      "notify-ops"     = ["QS2-daily-sales", "notify-ops", "arn:aws:sns:eu-west-1:111122223333:rsq-ops"]
      "notify-trigger" = ["QS2-daily-sales", "notify-trigger", "arn:aws:sns:eu-west-1:111122223333:rsq-runs"]
    }
    error_message = "Each trigger target sends the rule's event to its topic under its own id."
  }

  assert {
    condition     = output.rule_arn == "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-sales"
    error_message = "Output rule_arn is the rule's ARN."
  }

  assert {
    condition     = output.rule_name == "QS2-daily-sales"
    error_message = "Output rule_name is the rule's name (the statement name)."
  }
}

run "disabled_secret_query_without_extras" {
  command = plan

  variables {
    enabled    = false
    target_id  = "adopted-target-1"
    target_arn = "arn:aws:redshift-serverless:eu-west-1:111122223333:workgroup/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rsq-db-AbCdEf"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "DISABLED"
    error_message = "enabled = false disables the rule."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.target_id == "adopted-target-1"
    error_message = "An adopted target keeps its id."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.redshift_target[0].secrets_manager_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rsq-db-AbCdEf" && aws_cloudwatch_event_target.redshift.redshift_target[0].db_user == null
    error_message = "Secret authentication passes the secret and no db_user."
  }

  assert {
    condition     = aws_cloudwatch_event_target.redshift.redshift_target[0].with_event == false
    error_message = "No status event by default."
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.redshift.retry_policy) == 0 && length(aws_cloudwatch_event_target.redshift.dead_letter_config) == 0
    error_message = "Without var.retry and var.dead_letter the target has neither block."
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.trigger) == 0
    error_message = "Without triggers there are no topic targets."
  }
}

run "four_topics_are_accepted" {
  command = plan

  variables {
    triggers = {
      "notify-1" = "arn:aws:sns:eu-west-1:111122223333:t1"
      "notify-2" = "arn:aws:sns:eu-west-1:111122223333:t2"
      "notify-3" = "arn:aws:sns:eu-west-1:111122223333:t3"
      "notify-4" = "arn:aws:sns:eu-west-1:111122223333:t4"
    }
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.trigger) == 4
    error_message = "A rule takes the query's target and 4 topics."
  }
}

run "rule_name_with_a_space_is_refused" {
  command = plan

  variables {
    name = "QS2 daily sales"
  }

  expect_failures = [var.name]
}

run "target_id_with_a_slash_is_refused" {
  command = plan

  variables {
    target_id = "redshift/data"
  }

  expect_failures = [var.target_id]
}

run "empty_sql_is_refused" {
  command = plan

  variables {
    sql = ""
  }

  expect_failures = [var.sql]
}

run "sql_over_100000_characters_is_refused" {
  command = plan

  variables {
    sql = format("%0100001d", 0)
  }

  expect_failures = [var.sql]
}

run "five_topics_are_refused" {
  command = plan

  variables {
    triggers = {
      "notify-1" = "arn:aws:sns:eu-west-1:111122223333:t1"
      "notify-2" = "arn:aws:sns:eu-west-1:111122223333:t2"
      "notify-3" = "arn:aws:sns:eu-west-1:111122223333:t3"
      "notify-4" = "arn:aws:sns:eu-west-1:111122223333:t4"
      "notify-5" = "arn:aws:sns:eu-west-1:111122223333:t5"
    }
  }

  expect_failures = [var.triggers]
}

run "trigger_id_with_a_space_is_refused" {
  command = plan

  variables {
    triggers = { "notify trigger" = "arn:aws:sns:eu-west-1:111122223333:t1" }
  }

  expect_failures = [var.triggers]
}

run "db_user_and_secret_together_are_refused" {
  command = plan

  variables {
    db_user    = "rsadmin"
    secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rsq-db-AbCdEf"
  }

  expect_failures = [aws_cloudwatch_event_target.redshift]
}

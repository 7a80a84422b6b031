# terraform test for modules/query-history, offline: the AWS provider is mocked, and the computed
# ARNs of the log group and the rule are given known values at plan. The writer policy is the one
# rsqgen's deploy stage decides (CreateLogStream unconditioned, PutLogEvents for the rule only).

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history"
    }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:111122223333:rule/demo-history"
    }
  }
}

variables {
  rule_name        = "demo-history"
  log_group_name   = "/rsqgen/demo/history"
  retain_days      = 30
  statement_prefix = "QS2-demo-"
  tags             = { rsqgen = "demo" }
  writer_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EventBridgeCreatesLogStreams"
        Effect    = "Allow"
        Principal = { Service = ["delivery.logs.amazonaws.com", "events.amazonaws.com"] }
        Action    = ["logs:CreateLogStream"]
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
      },
      {
        Sid       = "HistoryRulePutsStatementEvents"
        Effect    = "Allow"
        Principal = { Service = ["delivery.logs.amazonaws.com", "events.amazonaws.com"] }
        Action    = ["logs:PutLogEvents"]
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
        Condition = { ArnEquals = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/demo-history"] } }
      },
    ]
  }
}

run "history_rule_writes_the_prefix_to_the_log_group" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/rsqgen/demo/history" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The log group is var.log_group_name and keeps events var.retain_days days."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.tags == tomap({ rsqgen = "demo" }) && aws_cloudwatch_event_rule.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The log group and the rule carry var.tags."
  }

  assert {
    condition     = aws_cloudwatch_log_resource_policy.this.policy_name == "demo-history"
    error_message = "The log resource policy is named after the rule."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement[1] == {
      Sid       = "HistoryRulePutsStatementEvents"
      Effect    = "Allow"
      Principal = { Service = ["delivery.logs.amazonaws.com", "events.amazonaws.com"] }
      Action    = ["logs:PutLogEvents"]
      Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
      Condition = { ArnEquals = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/demo-history"] } }
    }
    error_message = "PutLogEvents is granted on this log group only, for the history rule only (aws:SourceArn)."
  }

  assert {
    condition     = [for s in jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement : s.Action] == [["logs:CreateLogStream"], ["logs:PutLogEvents"]]
    error_message = "The log policy grants CreateLogStream and PutLogEvents, nothing else."
  }

  assert {
    condition     = !strcontains(aws_cloudwatch_log_resource_policy.this.policy_document, "aws:SourceAccount")
    error_message = "No aws:SourceAccount condition (it stops EventBridge from delivering)."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.name == "demo-history"
    error_message = "The rule is named by var.rule_name."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.description == "Keep the outcome of every statement named QS2-demo-* for 30 days (rsqgen history)"
    error_message = "The rule's description states the prefix and the retention."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.this.event_pattern) == {
      source        = ["aws.redshift-data"]
      "detail-type" = ["Redshift Data Statement Status Change"]
      detail        = { statementName = [{ prefix = "QS2-demo-" }] }
    }
    error_message = "The rule matches the Data API's status change events of statements under the prefix only."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this.rule == "demo-history" && aws_cloudwatch_event_target.this.target_id == "history-log"
    error_message = "The target hangs off the history rule with the id history-log."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this.arn == "arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history"
    error_message = "The target is the log group."
  }

  assert {
    condition     = output.log_group_name == "/rsqgen/demo/history"
    error_message = "Output log_group_name is the log group's name."
  }

  assert {
    condition     = output.rule_arn == "arn:aws:events:eu-west-1:111122223333:rule/demo-history"
    error_message = "Output rule_arn is the rule's ARN."
  }
}

run "adopted_statement_names_are_matched_exactly" {
  command = plan

  variables {
    statement_names = ["nightly-refresh", "QS2-old-name"]
    retain_days     = 3653
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this.event_pattern).detail.statementName == [{ prefix = "QS2-demo-" }, "nightly-refresh", "QS2-old-name"]
    error_message = "Adopted statement names follow the prefix, as exact matches."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.description == "Keep the outcome of every statement named QS2-demo-* (and 2 more) for 3653 days (rsqgen history)"
    error_message = "The description counts the adopted names."
  }
}

run "rule_name_with_a_slash_is_refused" {
  command = plan

  variables {
    rule_name = "demo/history"
  }

  expect_failures = [var.rule_name]
}

run "log_group_under_aws_events_is_refused" {
  command = plan

  variables {
    log_group_name = "/aws/events/rsqgen-demo"
  }

  expect_failures = [var.log_group_name]
}

run "log_group_name_with_a_space_is_refused" {
  command = plan

  variables {
    log_group_name = "/rsqgen/demo history"
  }

  expect_failures = [var.log_group_name]
}

run "retention_cloudwatch_does_not_offer_is_refused" {
  command = plan

  variables {
    retain_days = 2
  }

  expect_failures = [var.retain_days]
}

run "empty_statement_prefix_is_refused" {
  command = plan

  variables {
    statement_prefix = ""
  }

  expect_failures = [var.statement_prefix]
}

run "source_account_condition_is_refused" {
  command = plan

  variables {
    writer_policy = {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "HistoryRulePutsStatementEvents"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = ["logs:PutLogEvents"]
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
        Condition = {
          ArnEquals    = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/demo-history"] }
          StringEquals = { "aws:SourceAccount" = ["111122223333"] }
        }
      }]
    }
  }

  expect_failures = [var.writer_policy]
}

run "put_log_events_for_any_rule_is_refused" {
  command = plan

  variables {
    writer_policy = {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "AnyRulePutsEvents"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
      }]
    }
  }

  expect_failures = [var.writer_policy]
}

run "a_wildcard_log_action_without_source_arn_is_refused" {
  command = plan

  variables {
    writer_policy = {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "AnyRuleWritesAnything"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = "logs:*"
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
      }]
    }
  }

  expect_failures = [var.writer_policy]
}

run "source_account_under_another_operator_is_refused" {
  command = plan

  variables {
    writer_policy = {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "HistoryRulePutsStatementEvents"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = "logs:PutLogEvents"
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
        Condition = {
          ArnEquals  = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/demo-history"] }
          StringLike = { "aws:SourceAccount" = ["111122223333"] }
        }
      }]
    }
  }

  expect_failures = [var.writer_policy]
}

run "a_single_action_string_is_read" {
  command = plan

  variables {
    writer_policy = {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "EventBridgeCreatesLogStreams"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = "logs:CreateLogStream"
        Resource  = ["arn:aws:logs:eu-west-1:111122223333:log-group:/rsqgen/demo/history:*"]
      }]
    }
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement[0].Action == "logs:CreateLogStream"
    error_message = "a policy with one action written as a string is accepted as it is"
  }
}

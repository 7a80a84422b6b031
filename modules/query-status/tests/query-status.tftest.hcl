# terraform test for modules/query-status, offline: the AWS provider is mocked, and the rule's
# computed ARN is given a known value at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-sales-status"
    }
  }
}

variables {
  name           = "QS2-daily-sales-status"
  statement_name = "QS2-daily-sales"
  states         = ["FAILED", "ABORTED"]
  topic_arn      = "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
  tags           = { rsqgen = "demo" }
}

run "rule_forwards_the_statement_end_states_to_the_topic" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_rule.this.name == "QS2-daily-sales-status"
    error_message = "The rule is named by var.name."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.description == "Status of scheduled query QS2-daily-sales: FAILED, ABORTED"
    error_message = "The description names the statement and the states."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "ENABLED"
    error_message = "The rule is enabled by default."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The rule carries var.tags."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.this.event_pattern) == {
      source        = ["aws.redshift-data"]
      "detail-type" = ["Redshift Data Statement Status Change"]
      detail = {
        statementName = ["QS2-daily-sales"]
        state         = ["FAILED", "ABORTED"]
      }
    }
    error_message = "The rule matches this statement's status changes (exact name) in the given states only."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this.rule == "QS2-daily-sales-status" && aws_cloudwatch_event_target.this.target_id == "notify-status"
    error_message = "The target hangs off this rule with the id notify-status."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this.arn == "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
    error_message = "The target is the topic."
  }

  assert {
    condition     = output.rule_arn == "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-sales-status"
    error_message = "Output rule_arn is the rule's ARN."
  }
}

run "disabled_query_disables_its_status_rule" {
  command = plan

  variables {
    enabled = false
    states  = ["FINISHED"]
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "DISABLED"
    error_message = "enabled = false disables the rule."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this.event_pattern).detail.state == ["FINISHED"]
    error_message = "The pattern's states are var.states."
  }
}

run "rule_name_with_a_colon_is_refused" {
  command = plan

  variables {
    name = "QS2:daily-sales-status"
  }

  expect_failures = [var.name]
}

run "state_that_is_not_an_end_state_is_refused" {
  command = plan

  variables {
    states = ["FAILED", "STARTED"]
  }

  expect_failures = [var.states]
}

run "no_states_is_refused" {
  command = plan

  variables {
    states = []
  }

  expect_failures = [var.states]
}

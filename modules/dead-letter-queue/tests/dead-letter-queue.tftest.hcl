# terraform test for modules/dead-letter-queue, offline: the AWS provider is mocked, and the queue's
# computed ARN and URL are given known values at plan so that the policy and outputs can be read.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq"
      id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/rsq-dlq"
    }
  }
}

variables {
  name = "rsq-dlq"
  tags = { rsqgen = "demo" }
}

run "scheduler_only_queue_has_no_policy" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.name == "rsq-dlq"
    error_message = "The queue is named by var.name."
  }

  assert {
    condition     = aws_sqs_queue.this.message_retention_seconds == 1209600
    error_message = "Failed invocations are kept 14 days by default."
  }

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled == true
    error_message = "The queue is encrypted with SQS managed keys."
  }

  assert {
    condition     = aws_sqs_queue.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The queue carries var.tags."
  }

  assert {
    condition     = length(aws_sqs_queue_policy.this) == 0
    error_message = "Without EventBridge rules there is no queue policy (Scheduler sends through its execution role)."
  }

  assert {
    condition     = output.arn == "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq"
    error_message = "Output arn is the queue's ARN."
  }

  assert {
    condition     = output.url == "https://sqs.eu-west-1.amazonaws.com/111122223333/rsq-dlq"
    error_message = "Output url is the queue's URL (its id)."
  }
}

run "rule_queue_policy_names_the_rules_exactly" {
  command = plan

  variables {
    message_retention_seconds = 86400
    source_rule_arns = [
      "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily",
      "arn:aws:events:eu-west-1:111122223333:rule/QS2-hourly",
    ]
  }

  assert {
    condition     = aws_sqs_queue.this.message_retention_seconds == 86400
    error_message = "The retention is var.message_retention_seconds."
  }

  assert {
    condition     = aws_sqs_queue_policy.this[0].queue_url == "https://sqs.eu-west-1.amazonaws.com/111122223333/rsq-dlq"
    error_message = "The policy is attached to this queue."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this[0].policy).Version == "2012-10-17"
    error_message = "The policy uses the current policy language version."
  }

  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.this[0].policy).Statement) == 1
    error_message = "The policy has exactly one statement."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement[0].Effect == "Allow"
    error_message = "The statement allows."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement[0].Principal == { Service = "events.amazonaws.com" }
    error_message = "Only EventBridge may send to the queue."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement[0].Action == "sqs:SendMessage"
    error_message = "The only action is sqs:SendMessage."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement[0].Resource == "arn:aws:sqs:eu-west-1:111122223333:rsq-dlq"
    error_message = "The policy's resource is this queue, not \"*\"."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement[0].Condition == {
      ArnEquals = {
        "aws:SourceArn" = [
          "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily",
          "arn:aws:events:eu-west-1:111122223333:rule/QS2-hourly",
        ]
      }
    }
    error_message = "EventBridge may send only on behalf of the given rules (ArnEquals aws:SourceArn)."
  }

  assert {
    condition     = !strcontains(aws_sqs_queue_policy.this[0].policy, "\"*\"")
    error_message = "The queue policy has no \"*\" anywhere."
  }
}

run "longest_name_is_accepted" {
  command = plan

  variables {
    name = "rsq-dlq-0123456789012345678901234567890123456789012345678901234567890123456789ab"
  }

  assert {
    condition     = length(aws_sqs_queue.this.name) == 80
    error_message = "An 80-character name is valid."
  }
}

run "name_longer_than_80_is_refused" {
  command = plan

  variables {
    name = "rsq-dlq-0123456789012345678901234567890123456789012345678901234567890123456789abc"
  }

  expect_failures = [var.name]
}

run "name_with_a_dot_is_refused" {
  command = plan

  variables {
    name = "rsq.dlq"
  }

  expect_failures = [var.name]
}

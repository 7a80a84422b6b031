# terraform test for modules/notifications, offline: the AWS provider is mocked, and the computed
# ARNs of the topic and its key are given known values at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
      key_id = "0000aaaa-11bb-22cc-33dd-444444eeeeee"
    }
  }
}

variables {
  name       = "rsq-alerts"
  account_id = "111122223333"
  tags       = { rsqgen = "demo" }
}

run "own_key_topic_policy_and_subscriptions" {
  command = plan

  variables {
    publisher_rule_arns = [
      "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-status",
      "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily",
    ]
    emails = ["ops@example.com", "dba@example.com"]
  }

  assert {
    condition     = length(aws_kms_key.this) == 1 && length(aws_kms_alias.this) == 1
    error_message = "Without var.kms_key the topic gets its own key and alias."
  }

  assert {
    condition     = aws_kms_key.this[0].description == "Encrypts SNS topic rsq-alerts (Redshift scheduled query notifications)"
    error_message = "The key's description names the topic."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation == true && aws_kms_key.this[0].deletion_window_in_days == 30
    error_message = "The key rotates and waits 30 days before deletion."
  }

  assert {
    condition = jsondecode(aws_kms_key.this[0].policy).Statement == [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
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
    error_message = "The key policy names the account's root and EventBridge (Decrypt, GenerateDataKey* only)."
  }

  assert {
    condition     = aws_kms_alias.this[0].name == "alias/rsq-alerts-sns" && aws_kms_alias.this[0].target_key_id == "0000aaaa-11bb-22cc-33dd-444444eeeeee"
    error_message = "The alias is alias/<name>-sns and points at the topic's key."
  }

  assert {
    condition     = aws_sns_topic.this.name == "rsq-alerts" && aws_sns_topic.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The topic is named by var.name and carries var.tags."
  }

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    error_message = "The topic is encrypted with its own customer managed key (never alias/aws/sns)."
  }

  assert {
    condition     = aws_sns_topic_policy.this[0].arn == "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
    error_message = "The topic policy is attached to this topic."
  }

  assert {
    condition = jsondecode(aws_sns_topic_policy.this[0].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "ScheduledQueryRulesPublish"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
        Condition = {
          ArnEquals = {
            "aws:SourceArn" = [
              "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily-status",
              "arn:aws:events:eu-west-1:111122223333:rule/QS2-daily",
            ]
          }
        }
      }]
    }
    error_message = "Only EventBridge may publish, only to this topic, only for the named rules."
  }

  assert {
    condition     = keys(aws_sns_topic_subscription.email) == ["dba@example.com", "ops@example.com"]
    error_message = "One subscription per email, keyed by address."
  }

  assert {
    condition = alltrue([
      for k, s in aws_sns_topic_subscription.email :
      s.protocol == "email" && s.endpoint == k && s.topic_arn == "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
    ])
    error_message = "Each subscription is an email subscription of its address to this topic."
  }

  assert {
    condition     = output.topic_arn == "arn:aws:sns:eu-west-1:111122223333:rsq-alerts"
    error_message = "Output topic_arn is the topic's ARN."
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    error_message = "Output kms_key_arn is the topic's own key."
  }
}

run "shared_key_and_no_publishers" {
  command = plan

  variables {
    partition = "aws-us-gov"
    kms_key   = { arn = "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/shared" }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "With var.kms_key the module makes no key of its own."
  }

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/shared"
    error_message = "The topic is encrypted with the given key."
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/shared"
    error_message = "Output kms_key_arn is the given key."
  }

  assert {
    condition     = length(aws_sns_topic_policy.this) == 0
    error_message = "Without publisher rules there is no topic policy."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "Without emails there are no subscriptions."
  }
}

run "topic_name_with_a_space_is_refused" {
  command = plan

  variables {
    name = "rsq alerts"
  }

  expect_failures = [var.name]
}

run "account_id_with_letters_is_refused" {
  command = plan

  variables {
    account_id = "11112222333a"
  }

  expect_failures = [var.account_id]
}

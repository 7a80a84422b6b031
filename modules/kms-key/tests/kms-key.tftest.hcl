# terraform test for modules/kms-key, offline: the AWS provider is mocked, and the key's computed
# ARN and id are given known values at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
}

variables {
  alias      = "alias/analytics-rsqgen"
  account_id = "111122223333"
  tags       = { rsqgen = "demo" }
}

run "shared_key_lets_the_account_and_eventbridge_use_it" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "Key rotation is on."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "The deletion window is 30 days by default."
  }

  assert {
    condition     = aws_kms_key.this.description == "Encrypts the SNS topics and EventBridge Scheduler payloads of Redshift scheduled queries (rsqgen)"
    error_message = "The key has the default description."
  }

  assert {
    condition     = aws_kms_key.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The key carries var.tags."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this.policy).Version == "2012-10-17"
    error_message = "The key policy uses the current policy language version."
  }

  assert {
    condition     = [for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid] == ["AccountAdministers", "EventBridgePublishesEncrypted"]
    error_message = "The key policy has the account's and EventBridge's statements, in that order."
  }

  assert {
    condition = jsondecode(aws_kms_key.this.policy).Statement[0] == {
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "kms:*"
      Resource  = "*"
    }
    error_message = "The account (its root, so IAM policies) administers the key; no other AWS principal."
  }

  assert {
    condition = jsondecode(aws_kms_key.this.policy).Statement[1] == {
      Sid       = "EventBridgePublishesEncrypted"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
    }
    error_message = "EventBridge gets exactly kms:Decrypt and kms:GenerateDataKey*, nothing more."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/analytics-rsqgen"
    error_message = "The alias is var.alias."
  }

  assert {
    condition     = aws_kms_alias.this.target_key_id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The alias points at this key."
  }

  assert {
    condition     = output.arn == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "Output arn is the key's ARN."
  }

  assert {
    condition     = output.alias == "alias/analytics-rsqgen"
    error_message = "Output alias is the alias's name."
  }
}

run "without_eventbridge_only_the_account_is_named" {
  command = plan

  variables {
    eventbridge_may_publish = false
    partition               = "aws-cn"
    deletion_window_in_days = 7
  }

  assert {
    condition = jsondecode(aws_kms_key.this.policy).Statement == [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws-cn:iam::111122223333:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
    error_message = "Without EventBridge the policy names only the account's root, in the given partition."
  }

  assert {
    condition     = !strcontains(aws_kms_key.this.policy, "events.amazonaws.com")
    error_message = "EventBridge is not named when eventbridge_may_publish is false."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 7
    error_message = "The deletion window is var.deletion_window_in_days."
  }
}

run "alias_without_prefix_is_refused" {
  command = plan

  variables {
    alias = "analytics-rsqgen"
  }

  expect_failures = [var.alias]
}

run "aws_reserved_alias_is_refused" {
  command = plan

  variables {
    alias = "alias/aws/sns"
  }

  expect_failures = [var.alias]
}

run "short_account_id_is_refused" {
  command = plan

  variables {
    account_id = "11112222333"
  }

  expect_failures = [var.account_id]
}

run "deletion_window_under_7_days_is_refused" {
  command = plan

  variables {
    deletion_window_in_days = 6
  }

  expect_failures = [var.deletion_window_in_days]
}

run "deletion_window_over_30_days_is_refused" {
  command = plan

  variables {
    deletion_window_in_days = 31
  }

  expect_failures = [var.deletion_window_in_days]
}

# terraform test for modules/schedule-group, offline: the AWS provider is mocked, and the payload
# key's computed ARN and id are given known values at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"
      key_id = "5555ffff-66aa-77bb-88cc-999999dddddd"
    }
  }
}

variables {
  name       = "rsq-demo"
  account_id = "111122223333"
  tags       = { rsqgen = "demo" }
}

run "group_with_its_own_payload_key" {
  command = plan

  assert {
    condition     = aws_scheduler_schedule_group.this.name == "rsq-demo" && aws_scheduler_schedule_group.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The group is named by var.name and carries var.tags."
  }

  assert {
    condition     = length(aws_kms_key.this) == 1 && length(aws_kms_alias.this) == 1
    error_message = "Without var.kms_key the group gets its own key and alias."
  }

  assert {
    condition     = aws_kms_key.this[0].description == "Encrypts the payloads (SQL) of EventBridge Scheduler schedules in rsq-demo"
    error_message = "The key's description names the group."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation == true && aws_kms_key.this[0].deletion_window_in_days == 30
    error_message = "The key rotates and waits 30 days before deletion."
  }

  assert {
    condition     = aws_kms_key.this[0].tags == tomap({ rsqgen = "demo" })
    error_message = "The key carries var.tags."
  }

  assert {
    condition = jsondecode(aws_kms_key.this[0].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = "kms:*"
        Resource  = "*"
      }]
    }
    error_message = "The key policy only delegates to the account's IAM (its root): no service, no other principal."
  }

  assert {
    condition     = aws_kms_alias.this[0].name == "alias/rsq-demo-schedules" && aws_kms_alias.this[0].target_key_id == "5555ffff-66aa-77bb-88cc-999999dddddd"
    error_message = "The alias is alias/<name>-schedules and points at the group's key."
  }

  assert {
    condition     = output.name == "rsq-demo"
    error_message = "Output name is the group's name."
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"
    error_message = "Output kms_key_arn is the group's own key."
  }
}

run "own_key_in_another_partition" {
  command = plan

  variables {
    partition                   = "aws-cn"
    key_deletion_window_in_days = 7
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[0].Principal == { AWS = "arn:aws-cn:iam::111122223333:root" }
    error_message = "The root ARN is in var.partition."
  }

  assert {
    condition     = aws_kms_key.this[0].deletion_window_in_days == 7
    error_message = "The deletion window is var.key_deletion_window_in_days."
  }
}

run "shared_key_makes_no_key" {
  command = plan

  variables {
    kms_key = { arn = "arn:aws:kms:eu-west-1:111122223333:key/shared" }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "With var.kms_key the module makes no key of its own."
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/shared"
    error_message = "Output kms_key_arn is the given key."
  }
}

run "group_name_with_a_slash_is_refused" {
  command = plan

  variables {
    name = "rsq/demo"
  }

  expect_failures = [var.name]
}

# terraform test for modules/operators, offline: the AWS provider is mocked. Existing users are read
# through data.aws_iam_user, mocked at path "/"; created users and the group get known ARNs at plan.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_iam_user" {
    defaults = {
      path = "/"
    }
  }

  mock_resource "aws_iam_group" {
    defaults = {
      arn = "arn:aws:iam::111122223333:group/rsq-operators"
    }
  }
}

override_resource {
  target          = aws_iam_user.this["alice"]
  override_during = plan
  values = {
    arn = "arn:aws:iam::111122223333:user/ops/alice"
  }
}

variables {
  group_name = "rsq-operators"
  tags       = { rsqgen = "demo" }
  statements = [
    {
      sid       = "AssumeScheduleRole"
      actions   = ["sts:AssumeRole"]
      resources = ["arn:aws:iam::111122223333:role/rsq-schedule"]
    },
    {
      sid       = "ManageScheduledQueryRules"
      actions   = ["events:DescribeRule", "events:PutRule"]
      resources = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"]
      conditions = {
        StringEquals = { "aws:ResourceTag/rsqgen" = ["demo"] }
      }
    },
  ]
}

run "users_join_the_group_that_holds_the_policy" {
  command = plan

  variables {
    users = {
      alice = { create = true, path = "/ops/" }
      bob   = { create = false }
    }
  }

  assert {
    condition     = keys(aws_iam_user.this) == ["alice"]
    error_message = "Only users with create = true are created."
  }

  assert {
    condition     = aws_iam_user.this["alice"].name == "alice" && aws_iam_user.this["alice"].path == "/ops/"
    error_message = "A created user has its name and path."
  }

  assert {
    condition     = aws_iam_user.this["alice"].tags == tomap({ rsqgen = "demo" })
    error_message = "Created users carry var.tags."
  }

  assert {
    condition     = keys(data.aws_iam_user.existing) == ["bob"] && data.aws_iam_user.existing["bob"].user_name == "bob"
    error_message = "Existing users are read, not created."
  }

  assert {
    condition     = aws_iam_group.this[0].name == "rsq-operators"
    error_message = "The group is named by var.group_name."
  }

  assert {
    condition     = aws_iam_group_policy.this[0].name == "assume-schedule-role" && aws_iam_group_policy.this[0].group == "rsq-operators"
    error_message = "The inline policy has the default name and belongs to the group."
  }

  assert {
    condition = jsondecode(aws_iam_group_policy.this[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "AssumeScheduleRole"
          Effect   = "Allow"
          Action   = ["sts:AssumeRole"]
          Resource = ["arn:aws:iam::111122223333:role/rsq-schedule"]
        },
        {
          Sid       = "ManageScheduledQueryRules"
          Effect    = "Allow"
          Action    = ["events:DescribeRule", "events:PutRule"]
          Resource  = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"]
          Condition = { StringEquals = { "aws:ResourceTag/rsqgen" = ["demo"] } }
        },
      ]
    }
    error_message = "The group policy is the statements as given (Allow, no Condition key where none is given)."
  }

  assert {
    condition     = keys(aws_iam_user_group_membership.this) == ["alice", "bob"]
    error_message = "Every user, created or existing, gets a membership."
  }

  assert {
    condition = alltrue([
      for name, m in aws_iam_user_group_membership.this : m.user == name && m.groups == toset(["rsq-operators"])
    ])
    error_message = "Each membership puts its user in the operators group only."
  }

  assert {
    condition     = output.group_name == "rsq-operators"
    error_message = "Output group_name is the group's name."
  }

  assert {
    condition     = output.group_arn == "arn:aws:iam::111122223333:group/rsq-operators"
    error_message = "Output group_arn is the group's ARN."
  }

  assert {
    condition     = output.user_arns == { alice = "arn:aws:iam::111122223333:user/ops/alice" }
    error_message = "Output user_arns holds the created users only, keyed by name."
  }

  assert {
    condition     = output.policy == aws_iam_group_policy.this[0].policy
    error_message = "Output policy is the group's policy document."
  }
}

run "role_operators_only_get_the_policy_output" {
  command = plan

  variables {
    users = {}
  }

  assert {
    condition     = length(aws_iam_group.this) == 0 && length(aws_iam_group_policy.this) == 0 && length(aws_iam_user_group_membership.this) == 0
    error_message = "Without users there is no group, group policy or membership."
  }

  assert {
    condition     = output.group_name == null && output.group_arn == null
    error_message = "Without users the group outputs are null."
  }

  assert {
    condition     = output.user_arns == {}
    error_message = "Without users no user ARNs are output."
  }

  assert {
    condition     = [for s in jsondecode(output.policy).Statement : s.Sid] == ["AssumeScheduleRole", "ManageScheduledQueryRules"]
    error_message = "Output policy still holds the statements, for an SSO permission set."
  }
}

run "existing_user_on_another_path_fails_at_plan" {
  command = plan

  variables {
    users = { bob = { create = false, path = "/ops/" } }
  }

  expect_failures = [data.aws_iam_user.existing]
}

run "group_name_with_a_space_is_refused" {
  command = plan

  variables {
    group_name = "rsq operators"
  }

  expect_failures = [var.group_name]
}

run "user_name_with_a_slash_is_refused" {
  command = plan

  variables {
    users = { "ops/alice" = { create = true } }
  }

  expect_failures = [var.users]
}

run "service_wildcard_action_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "TooBroad"
      actions   = ["events:*"]
      resources = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"]
    }]
  }

  expect_failures = [var.statements]
}

run "bare_wildcard_action_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "Everything"
      actions   = ["*"]
      resources = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"]
    }]
  }

  expect_failures = [var.statements]
}

run "statement_without_resources_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "NoResource"
      actions   = ["sts:AssumeRole"]
      resources = []
    }]
  }

  expect_failures = [var.statements]
}

run "statement_without_actions_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "NoAction"
      actions   = []
      resources = ["arn:aws:iam::111122223333:role/rsq-schedule"]
    }]
  }

  expect_failures = [var.statements]
}

# terraform test for modules/schedule-role, offline: the AWS provider is mocked, and the role's and
# the overflow policies' computed ARNs are given known values at plan. The trust statements are the
# shape rsqgen's deploy stage writes (the console's services, EventBridge and Scheduler under
# aws:SourceAccount and aws:SourceArn, each operator's exact ARN).

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/data/rsq-schedule"
      id  = "rsq-schedule"
    }
  }
}

override_resource {
  target          = aws_iam_policy.overflow["part-2"]
  override_during = plan
  values = {
    arn = "arn:aws:iam::111122223333:policy/rsq-schedule-part-2"
  }
}

variables {
  name = "rsq-schedule"
  trust_statements = [
    {
      Sid       = "TrustedServices"
      Effect    = "Allow"
      Principal = { Service = ["redshift-serverless.amazonaws.com", "redshift.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    },
    {
      Sid       = "EventBridgeRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = ["111122223333"] }
        ArnLike      = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"] }
      }
    },
    {
      Sid       = "EventBridgeScheduler"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = ["111122223333"] }
        ArnEquals    = { "aws:SourceArn" = ["arn:aws:scheduler:eu-west-1:111122223333:schedule-group/rsq-demo"] }
      }
    },
    {
      Sid       = "Operators"
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::111122223333:user/ops/alice", "arn:aws:iam::111122223333:role/sso/DataOps"] }
      Action    = "sts:AssumeRole"
    },
  ]
  statements = [
    {
      sid       = "RunStatements"
      actions   = ["redshift-data:ExecuteStatement"]
      resources = ["arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"]
    },
    {
      sid       = "ReadScheduledStatements"
      actions   = ["redshift-data:DescribeStatement", "redshift-data:ListStatements"]
      resources = ["*"]
    },
    {
      sid       = "DatabaseUserCredentials"
      actions   = ["redshift:GetClusterCredentials"]
      resources = ["arn:aws:redshift:eu-west-1:111122223333:dbuser:rsq-dwh/rsadmin"]
      conditions = {
        StringEquals = { "redshift:DbName" = ["dev"] }
      }
    },
  ]
}

run "role_trusts_exactly_the_given_principals" {
  command = plan

  variables {
    path                 = "/data/"
    max_session_duration = 7200
    permissions_boundary = "arn:aws:iam::111122223333:policy/rsq-boundary"
    tags                 = { rsqgen = "demo" }
    managed_policies = {
      "part-2" = [{
        sid       = "DecryptPayloads"
        actions   = ["kms:Decrypt"]
        resources = ["arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"]
        conditions = {
          StringEquals = { "kms:ViaService" = ["scheduler.eu-west-1.amazonaws.com"] }
        }
      }]
    }
  }

  assert {
    condition     = aws_iam_role.this.name == "rsq-schedule" && aws_iam_role.this.path == "/data/"
    error_message = "The role has var.name and var.path."
  }

  assert {
    condition     = aws_iam_role.this.description == "Runs Amazon Redshift scheduled queries through the Redshift Data API."
    error_message = "The role has the default description."
  }

  assert {
    condition     = aws_iam_role.this.max_session_duration == 7200 && aws_iam_role.this.permissions_boundary == "arn:aws:iam::111122223333:policy/rsq-boundary"
    error_message = "The role has var.max_session_duration and var.permissions_boundary."
  }

  assert {
    condition     = aws_iam_role.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The role carries var.tags."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Version == "2012-10-17" && length(jsondecode(aws_iam_role.this.assume_role_policy).Statement) == 4
    error_message = "The trust policy holds the four given statements."
  }

  assert {
    condition = sort(flatten([
      for s in jsondecode(aws_iam_role.this.assume_role_policy).Statement : try(s.Principal.Service, [])
    ])) == tolist(["events.amazonaws.com", "redshift-serverless.amazonaws.com", "redshift.amazonaws.com", "scheduler.amazonaws.com"])
    error_message = "The role trusts the Redshift console's services, EventBridge and Scheduler, and no other service."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role.this.assume_role_policy).Statement : s.Effect == "Allow" && s.Action == "sts:AssumeRole"
    ])
    error_message = "Every trust statement allows sts:AssumeRole only."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role.this.assume_role_policy).Statement : s.Condition
      if contains(["events.amazonaws.com", "scheduler.amazonaws.com"], try(s.Principal.Service, ""))
      ] == [
      {
        StringEquals = { "aws:SourceAccount" = ["111122223333"] }
        ArnLike      = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"] }
      },
      {
        StringEquals = { "aws:SourceAccount" = ["111122223333"] }
        ArnEquals    = { "aws:SourceArn" = ["arn:aws:scheduler:eu-west-1:111122223333:schedule-group/rsq-demo"] }
      },
    ]
    error_message = "EventBridge and Scheduler are trusted only for this account's QS2- rules and the spec's schedule group."
  }

  assert {
    condition = flatten([
      for s in jsondecode(aws_iam_role.this.assume_role_policy).Statement : try(s.Principal.AWS, [])
    ]) == ["arn:aws:iam::111122223333:user/ops/alice", "arn:aws:iam::111122223333:role/sso/DataOps"]
    error_message = "The only AWS principals are the operators' exact ARNs (no root, no \"*\")."
  }

  assert {
    condition     = aws_iam_role_policy.this.name == "scheduled-query-permissions" && aws_iam_role_policy.this.role == "rsq-schedule"
    error_message = "The inline policy has the default name and belongs to the role."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "RunStatements"
          Effect   = "Allow"
          Action   = ["redshift-data:ExecuteStatement"]
          Resource = ["arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"]
        },
        {
          Sid      = "ReadScheduledStatements"
          Effect   = "Allow"
          Action   = ["redshift-data:DescribeStatement", "redshift-data:ListStatements"]
          Resource = ["*"]
        },
        {
          Sid       = "DatabaseUserCredentials"
          Effect    = "Allow"
          Action    = ["redshift:GetClusterCredentials"]
          Resource  = ["arn:aws:redshift:eu-west-1:111122223333:dbuser:rsq-dwh/rsadmin"]
          Condition = { StringEquals = { "redshift:DbName" = ["dev"] } }
        },
      ]
    }
    error_message = "The inline policy is the statements as given (Allow, a Condition only where one is given)."
  }

  assert {
    condition     = keys(aws_iam_policy.overflow) == ["part-2"] && aws_iam_policy.overflow["part-2"].name == "rsq-schedule-part-2"
    error_message = "Each managed_policies entry becomes a policy named <role>-<suffix>."
  }

  assert {
    condition     = aws_iam_policy.overflow["part-2"].description == "Scheduled query permissions of rsq-schedule beyond its inline policy"
    error_message = "The overflow policy's description names the role."
  }

  assert {
    condition     = aws_iam_policy.overflow["part-2"].tags == tomap({ rsqgen = "demo" })
    error_message = "The overflow policy carries var.tags."
  }

  assert {
    condition = jsondecode(aws_iam_policy.overflow["part-2"].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "DecryptPayloads"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = ["arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"]
        Condition = { StringEquals = { "kms:ViaService" = ["scheduler.eu-west-1.amazonaws.com"] } }
      }]
    }
    error_message = "The overflow policy holds its statements as given."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.overflow["part-2"].role == "rsq-schedule" && aws_iam_role_policy_attachment.overflow["part-2"].policy_arn == "arn:aws:iam::111122223333:policy/rsq-schedule-part-2"
    error_message = "Each overflow policy is attached to the role."
  }

  assert {
    condition     = output.arn == "arn:aws:iam::111122223333:role/data/rsq-schedule" && output.name == "rsq-schedule"
    error_message = "Outputs arn and name are the role's."
  }

  assert {
    condition     = output.trust_policy == aws_iam_role.this.assume_role_policy && jsondecode(output.trust_policy).Statement[3].Sid == "Operators"
    error_message = "Output trust_policy is the role's trust policy."
  }

  assert {
    condition     = output.permissions_policy == aws_iam_role_policy.this.policy && jsondecode(output.permissions_policy).Statement[0].Sid == "RunStatements"
    error_message = "Output permissions_policy is the inline policy."
  }

  assert {
    condition     = output.overflow_policy_arns == ["arn:aws:iam::111122223333:policy/rsq-schedule-part-2"]
    error_message = "Output overflow_policy_arns lists the overflow policies' ARNs."
  }
}

run "role_within_its_inline_quota_has_no_overflow" {
  command = plan

  assert {
    condition     = length(aws_iam_policy.overflow) == 0 && length(aws_iam_role_policy_attachment.overflow) == 0
    error_message = "Without managed_policies there are no overflow policies."
  }

  assert {
    condition     = output.overflow_policy_arns == []
    error_message = "Output overflow_policy_arns is empty without managed_policies."
  }

  assert {
    condition     = aws_iam_role.this.path == "/" && aws_iam_role.this.max_session_duration == 3600 && aws_iam_role.this.permissions_boundary == null
    error_message = "By default the role is at /, sessions last an hour, and there is no boundary."
  }
}

run "role_name_with_a_space_is_refused" {
  command = plan

  variables {
    name = "rsq schedule"
  }

  expect_failures = [var.name]
}

run "path_without_leading_slash_is_refused" {
  command = plan

  variables {
    path = "data/"
  }

  expect_failures = [var.path]
}

run "path_without_trailing_slash_is_refused" {
  command = plan

  variables {
    path = "/data"
  }

  expect_failures = [var.path]
}

run "empty_trust_policy_is_refused" {
  command = plan

  variables {
    trust_statements = []
  }

  expect_failures = [var.trust_statements]
}

run "trust_statement_with_another_action_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "TrustedServices"
      Effect    = "Allow"
      Principal = { Service = "redshift.amazonaws.com" }
      Action    = "sts:TagSession"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "deny_trust_statement_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "TrustedServices"
      Effect    = "Deny"
      Principal = { Service = "redshift.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "untrusted_service_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "TrustedServices"
      Effect    = "Allow"
      Principal = { Service = ["redshift.amazonaws.com", "lambda.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "account_root_operator_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "Operators"
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::111122223333:root"] }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "wildcard_operator_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "Operators"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "eventbridge_without_source_account_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "EventBridgeRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        ArnLike = { "aws:SourceArn" = ["arn:aws:events:eu-west-1:111122223333:rule/QS2-*"] }
      }
    }]
  }

  expect_failures = [var.trust_statements]
}

run "scheduler_without_source_account_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "EventBridgeScheduler"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        ArnEquals = { "aws:SourceArn" = ["arn:aws:scheduler:eu-west-1:111122223333:schedule-group/rsq-demo"] }
      }
    }]
  }

  expect_failures = [var.trust_statements]
}

run "events_in_list_form_without_source_account_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "EventBridgeRules"
      Effect    = "Allow"
      Principal = { Service = ["events.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "a_wildcard_principal_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "Anyone"
      Effect    = "Allow"
      Principal = "*"
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "a_federated_principal_is_refused" {
  command = plan

  variables {
    trust_statements = [{
      Sid       = "Federated"
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::111122223333:saml-provider/corp" }
      Action    = "sts:AssumeRole"
    }]
  }

  expect_failures = [var.trust_statements]
}

run "service_wildcard_action_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "RunStatements"
      actions   = ["redshift-data:*"]
      resources = ["arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"]
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
      resources = ["arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"]
    }]
  }

  expect_failures = [var.statements]
}

run "statement_without_resources_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "RunStatements"
      actions   = ["redshift-data:ExecuteStatement"]
      resources = []
    }]
  }

  expect_failures = [var.statements]
}

run "statement_without_actions_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "RunStatements"
      actions   = []
      resources = ["arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"]
    }]
  }

  expect_failures = [var.statements]
}

run "scoped_action_on_any_resource_is_refused" {
  command = plan

  variables {
    statements = [{
      sid       = "RunAnywhere"
      actions   = ["redshift-data:DescribeStatement", "redshift-data:ExecuteStatement"]
      resources = ["*"]
    }]
  }

  expect_failures = [var.statements]
}

run "managed_policy_on_any_resource_is_refused" {
  command = plan

  variables {
    managed_policies = {
      "part-2" = [{
        sid       = "DecryptAnything"
        actions   = ["kms:Decrypt"]
        resources = ["*"]
      }]
    }
  }

  expect_failures = [var.managed_policies]
}

run "managed_policy_wildcard_action_is_refused" {
  command = plan

  variables {
    managed_policies = {
      "part-2" = [{
        sid       = "AllOfKms"
        actions   = ["kms:*"]
        resources = ["arn:aws:kms:eu-west-1:111122223333:key/5555ffff-66aa-77bb-88cc-999999dddddd"]
      }]
    }
  }

  expect_failures = [var.managed_policies]
}

run "managed_policy_without_resources_is_refused" {
  command = plan

  variables {
    managed_policies = {
      "part-2" = [{
        sid       = "Nothing"
        actions   = ["kms:Decrypt"]
        resources = []
      }]
    }
  }

  expect_failures = [var.managed_policies]
}

run "boundary_that_is_not_a_policy_is_refused" {
  command = plan

  variables {
    permissions_boundary = "arn:aws:iam::111122223333:role/rsq-boundary"
  }

  expect_failures = [var.permissions_boundary]
}

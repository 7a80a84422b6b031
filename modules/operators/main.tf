locals {
  created_users = { for name, u in var.users : name => u if u.create }

  policy = {
    Version = "2012-10-17"
    Statement = [
      for s in var.statements : merge(
        {
          Sid      = s.sid
          Effect   = "Allow"
          Action   = s.actions
          Resource = s.resources
        },
        length(s.conditions) == 0 ? {} : { Condition = s.conditions },
      )
    ]
  }
}

resource "aws_iam_user" "this" {
  #checkov:skip=CKV_AWS_273:The spec asks for an IAM user (console operator); it gets no login profile or access key from this module and its only permissions come from the operators group. Prefer an existing SSO role as operator where one exists.
  for_each = local.created_users

  name = each.key
  path = each.value.path
  tags = var.tags
}

# Existing users are read, so that a typo or a wrong path fails at plan with a clear message instead
# of at apply, after most resources were created (the schedule role trusts the user's exact ARN).
data "aws_iam_user" "existing" {
  for_each = { for name, u in var.users : name => u if !u.create }

  user_name = each.key

  lifecycle {
    postcondition {
      condition     = self.path == each.value.path
      error_message = "IAM user ${each.key} has the path ${self.path}, the spec says ${each.value.path}: set operators[].path to the user's path."
    }
  }
}

# No users, no group: role operators (SSO) get the same statements through the `policy` output.
resource "aws_iam_group" "this" {
  count = length(var.users) > 0 ? 1 : 0

  name = var.group_name
}

# Permissions reach users only through the group, never through user policies (CKV_AWS_40).
resource "aws_iam_group_policy" "this" {
  count = length(var.users) > 0 ? 1 : 0

  name   = var.policy_name
  group  = aws_iam_group.this[0].name
  policy = jsonencode(local.policy)
}

# The group and its policy were single resources before they became optional.
moved {
  from = aws_iam_group.this
  to   = aws_iam_group.this[0]
}

moved {
  from = aws_iam_group_policy.this
  to   = aws_iam_group_policy.this[0]
}

# aws_iam_user_group_membership is additive: it never removes users that others put in the group.
resource "aws_iam_user_group_membership" "this" {
  for_each = var.users

  user   = each.value.create ? aws_iam_user.this[each.key].name : data.aws_iam_user.existing[each.key].user_name
  groups = [aws_iam_group.this[0].name]
}

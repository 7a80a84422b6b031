output "group_name" {
  description = "Name of the operators group; null when there are no user operators (no group is made)."
  value       = one(aws_iam_group.this[*].name)
}

output "group_arn" {
  description = "ARN of the operators group; null when there are no user operators."
  value       = one(aws_iam_group.this[*].arn)
}

output "user_arns" {
  description = "ARNs of the users this module created, keyed by name."
  value       = { for name, u in aws_iam_user.this : name => u.arn }
}

output "policy" {
  description = "The group's inline policy, as JSON. Attach the same statements to an SSO permission set for role operators."
  value       = jsonencode(local.policy)
}

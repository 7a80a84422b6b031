output "arn" {
  description = "ARN of the schedule role: the role EventBridge targets use and operators assume."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the schedule role. A query run with IAM authentication connects as the database user IAMR:<name>."
  value       = aws_iam_role.this.name
}

output "trust_policy" {
  description = "The role's trust policy, as JSON."
  value       = aws_iam_role.this.assume_role_policy
}

output "permissions_policy" {
  description = "The role's inline permission policy, as JSON."
  value       = aws_iam_role_policy.this.policy
}

output "overflow_policy_arns" {
  description = "ARNs of the managed policies holding permissions beyond the inline policy (usually none)."
  value       = [for p in aws_iam_policy.overflow : p.arn]
}

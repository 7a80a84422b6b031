output "log_group_name" {
  description = "Name of the log group that keeps the runs (rsqgen history reads it)."
  value       = aws_cloudwatch_log_group.this.name
}

output "rule_arn" {
  description = "ARN of the rule that writes to the log group."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "rule_arn" {
  description = "ARN of the schedule rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "rule_name" {
  description = "Name of the schedule rule (also the Data API statement name)."
  value       = aws_cloudwatch_event_rule.this.name
}

output "status_rule_arn" {
  description = "ARN of the status-change rule, or null."
  value       = try(aws_cloudwatch_event_rule.status[0].arn, null)
}

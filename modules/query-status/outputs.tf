output "rule_arn" {
  description = "ARN of the status rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "topic_arn" {
  description = "ARN of the SNS topic."
  value       = aws_sns_topic.this.arn
}

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the topic (its own, or the one given)."
  value       = local.kms_key_arn
}

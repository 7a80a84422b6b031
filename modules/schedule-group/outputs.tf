output "name" {
  description = "Name of the schedule group."
  value       = aws_scheduler_schedule_group.this.name
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts schedule payloads."
  value       = var.kms_key == null ? aws_kms_key.this[0].arn : var.kms_key.arn
}

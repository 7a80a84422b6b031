output "workgroup_arn" {
  description = "ARN of the workgroup (the EventBridge target for its scheduled queries)."
  value       = aws_redshiftserverless_workgroup.this.arn
}

output "workgroup_name" {
  description = "Name of the workgroup."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "namespace_name" {
  description = "Name of the namespace."
  value       = aws_redshiftserverless_namespace.this.namespace_name
}

output "endpoint" {
  description = "Endpoint of the workgroup."
  value       = aws_redshiftserverless_workgroup.this.endpoint
}

output "admin_password_secret_arn" {
  description = "ARN of the Secrets Manager secret in which Redshift keeps the administrator password."
  value       = aws_redshiftserverless_namespace.this.admin_password_secret_arn
}

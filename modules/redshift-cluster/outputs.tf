output "arn" {
  description = "ARN of the cluster (the EventBridge target for its scheduled queries)."
  value       = aws_redshift_cluster.this.arn
}

output "cluster_identifier" {
  description = "Identifier of the cluster."
  value       = aws_redshift_cluster.this.cluster_identifier
}

output "endpoint" {
  description = "Endpoint (host:port) of the cluster."
  value       = aws_redshift_cluster.this.endpoint
}

output "database_name" {
  description = "Name of the first database."
  value       = aws_redshift_cluster.this.database_name
}

output "master_password_secret_arn" {
  description = "ARN of the Secrets Manager secret in which Redshift keeps the administrator password."
  value       = aws_redshift_cluster.this.master_password_secret_arn
}

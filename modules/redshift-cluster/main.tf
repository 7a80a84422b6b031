resource "aws_redshift_subnet_group" "this" {
  name       = "${var.cluster_identifier}-subnets"
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_redshift_parameter_group" "this" {
  name   = "${var.cluster_identifier}-params"
  family = "redshift-1.0"
  tags   = var.tags

  parameter {
    name  = "require_ssl"
    value = "true"
  }

  # Without it the user activity log stays empty.
  parameter {
    name  = "enable_user_activity_logging"
    value = "true"
  }
}

resource "aws_redshift_cluster" "this" {
  #checkov:skip=CKV_AWS_71:Audit logging is configured with the aws_redshift_logging resource below; the inline logging block that this check reads is deprecated in provider 5.x and removed in 6.x.
  #checkov:skip=CKV_AWS_142:The cluster is always encrypted (encrypted = true; AWS encrypts every new cluster). kms_key_id is an input: pass a customer managed key to use one, null keeps the AWS owned key.
  cluster_identifier = var.cluster_identifier
  node_type          = var.node_type
  cluster_type       = var.number_of_nodes > 1 ? "multi-node" : "single-node"
  number_of_nodes    = var.number_of_nodes
  database_name      = var.database_name
  master_username    = var.master_username

  # Redshift generates the password and keeps it in Secrets Manager: no password in code or state.
  manage_master_password = true

  encrypted                           = true
  kms_key_id                          = var.kms_key_id
  publicly_accessible                 = false
  enhanced_vpc_routing                = var.enhanced_vpc_routing
  cluster_subnet_group_name           = aws_redshift_subnet_group.this.name
  cluster_parameter_group_name        = aws_redshift_parameter_group.this.name
  vpc_security_group_ids              = var.security_group_ids
  automated_snapshot_retention_period = var.automated_snapshot_retention_period
  allow_version_upgrade               = true
  skip_final_snapshot                 = var.skip_final_snapshot
  # Unique per cluster: a fixed name would make the destroy of a re-created cluster fail (the
  # first destroy's snapshot still has it).
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.cluster_identifier}-final-${formatdate("YYYYMMDDhhmmss", terraform_data.created.output)}"
  tags                      = var.tags
}

resource "aws_redshift_logging" "this" {
  cluster_identifier   = aws_redshift_cluster.this.cluster_identifier
  log_destination_type = "cloudwatch"
  log_exports          = var.log_exports
}

# When this cluster was created, kept for the name of its final snapshot.
resource "terraform_data" "created" {
  input = timestamp()

  lifecycle {
    ignore_changes = [input]
  }
}

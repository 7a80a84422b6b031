resource "aws_redshiftserverless_namespace" "this" {
  #checkov:skip=CKV_AWS_282:Serverless namespaces are always encrypted (AWS owned key by default). kms_key_id is an input: pass a customer managed key to use one.
  namespace_name = var.namespace_name
  db_name        = var.database_name
  admin_username = var.admin_username

  # Redshift generates the password and keeps it in Secrets Manager: no password in code or state.
  manage_admin_password = true

  kms_key_id  = var.kms_key_id
  log_exports = var.log_exports
  tags        = var.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  namespace_name       = aws_redshiftserverless_namespace.this.namespace_name
  workgroup_name       = var.workgroup_name
  base_capacity        = var.base_capacity
  publicly_accessible  = false
  enhanced_vpc_routing = true
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids
  tags                 = var.tags

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }
}

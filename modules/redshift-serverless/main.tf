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

  # Set at creation. AWS then reads back every parameter, its defaults included, and adds new keys
  # over time (enable_large_strings_opt_in, 2026), some of which provider 5.x refuses in
  # configuration; an update that resends unchanged values is rejected ("You didn't specify any
  # changes to the configuration parameters"). So later differences are not planned: the check
  # below reports, at every plan, a workgroup whose SSL or audit logging was turned off.
  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }

  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }

  lifecycle {
    ignore_changes = [config_parameter]
  }
}

check "workgroup_parameters" {
  assert {
    condition = length(setintersection(
      [for p in aws_redshiftserverless_workgroup.this.config_parameter : "${p.parameter_key}=${p.parameter_value}"],
      ["require_ssl=true", "enable_user_activity_logging=true"],
    )) == 2
    error_message = "Workgroup ${var.workgroup_name}: require_ssl and enable_user_activity_logging must both be \"true\"; one was changed outside Terraform. Set them back with: aws redshift-serverless update-workgroup --workgroup-name ${var.workgroup_name} --config-parameters parameterKey=require_ssl,parameterValue=true parameterKey=enable_user_activity_logging,parameterValue=true"
  }
}

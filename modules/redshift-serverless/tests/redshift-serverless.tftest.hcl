# terraform test for modules/redshift-serverless, offline: the AWS provider is mocked, and the
# computed attributes the outputs read are given known values at plan.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_redshiftserverless_namespace" {
    defaults = {
      admin_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift!rsq-ns-admin-AbCdEf"
    }
  }

  mock_resource "aws_redshiftserverless_workgroup" {
    defaults = {
      arn = "arn:aws:redshift-serverless:eu-west-1:111122223333:workgroup/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
      endpoint = [{
        address      = "rsq-wg.111122223333.eu-west-1.redshift-serverless.amazonaws.com"
        port         = 5439
        vpc_endpoint = []
      }]
    }
  }
}

variables {
  namespace_name     = "rsq-ns"
  workgroup_name     = "rsq-wg"
  admin_username     = "rsadmin"
  subnet_ids         = ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]
  security_group_ids = ["sg-0ddd4444"]
  tags               = { rsqgen = "demo" }
}

run "workgroup_is_private_and_logged" {
  command = plan

  assert {
    condition     = aws_redshiftserverless_namespace.this.namespace_name == "rsq-ns" && aws_redshiftserverless_namespace.this.db_name == "dev"
    error_message = "The namespace is var.namespace_name with the first database dev by default."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.admin_username == "rsadmin" && aws_redshiftserverless_namespace.this.manage_admin_password == true
    error_message = "Redshift manages the administrator's password: none in code or state."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.log_exports == toset(["connectionlog", "useractivitylog", "userlog"])
    error_message = "All three audit logs are exported by default."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.tags == tomap({ rsqgen = "demo" }) && aws_redshiftserverless_workgroup.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The namespace and the workgroup carry var.tags."
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.workgroup_name == "rsq-wg" && aws_redshiftserverless_workgroup.this.namespace_name == "rsq-ns"
    error_message = "The workgroup is var.workgroup_name, in the module's namespace."
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.base_capacity == 8
    error_message = "The base capacity is 8 RPUs by default."
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.publicly_accessible == false
    error_message = "The workgroup is never publicly accessible."
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.enhanced_vpc_routing == true
    error_message = "Enhanced VPC routing is always on."
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.subnet_ids == toset(["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]) && aws_redshiftserverless_workgroup.this.security_group_ids == toset(["sg-0ddd4444"])
    error_message = "The workgroup uses var.subnet_ids and var.security_group_ids."
  }

  assert {
    condition     = toset([for p in aws_redshiftserverless_workgroup.this.config_parameter : "${p.parameter_key}=${p.parameter_value}"]) == toset(["require_ssl=true", "enable_user_activity_logging=true"])
    error_message = "The workgroup requires SSL and logs user activity, and sets no other parameter."
  }

  assert {
    condition     = output.workgroup_arn == "arn:aws:redshift-serverless:eu-west-1:111122223333:workgroup/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    error_message = "Output workgroup_arn is the workgroup's ARN."
  }

  assert {
    condition     = output.workgroup_name == "rsq-wg" && output.namespace_name == "rsq-ns"
    error_message = "Outputs workgroup_name and namespace_name are the workgroup's and the namespace's."
  }

  assert {
    condition     = output.endpoint[0].address == "rsq-wg.111122223333.eu-west-1.redshift-serverless.amazonaws.com" && output.endpoint[0].port == 5439
    error_message = "Output endpoint is the workgroup's endpoint."
  }

  assert {
    condition     = output.admin_password_secret_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift!rsq-ns-admin-AbCdEf"
    error_message = "Output admin_password_secret_arn is the secret Redshift keeps the password in."
  }
}

run "largest_capacity_and_own_key_are_accepted" {
  command = plan

  variables {
    base_capacity = 1024
    database_name = "analytics"
    kms_key_id    = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    log_exports   = ["userlog"]
  }

  assert {
    condition     = aws_redshiftserverless_workgroup.this.base_capacity == 1024
    error_message = "1024 RPUs is the largest base capacity."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    error_message = "A given customer managed key encrypts the namespace."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.db_name == "analytics" && aws_redshiftserverless_namespace.this.log_exports == toset(["userlog"])
    error_message = "The namespace has var.database_name and var.log_exports."
  }
}

run "namespace_with_uppercase_is_refused" {
  command = plan

  variables {
    namespace_name = "Rsq-ns"
  }

  expect_failures = [var.namespace_name]
}

run "namespace_shorter_than_3_is_refused" {
  command = plan

  variables {
    namespace_name = "ns"
  }

  expect_failures = [var.namespace_name]
}

run "workgroup_with_an_underscore_is_refused" {
  command = plan

  variables {
    workgroup_name = "rsq_wg"
  }

  expect_failures = [var.workgroup_name]
}

run "capacity_not_a_multiple_of_8_is_refused" {
  command = plan

  variables {
    base_capacity = 12
  }

  expect_failures = [var.base_capacity]
}

run "capacity_under_8_is_refused" {
  command = plan

  variables {
    base_capacity = 0
  }

  expect_failures = [var.base_capacity]
}

run "capacity_over_1024_is_refused" {
  command = plan

  variables {
    base_capacity = 1032
  }

  expect_failures = [var.base_capacity]
}

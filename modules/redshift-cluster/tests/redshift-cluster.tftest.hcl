# terraform test for modules/redshift-cluster, offline: the AWS provider is mocked, and the
# cluster's computed attributes are given known values at plan. The final snapshot's name comes from
# terraform_data.created (timestamp()), known only after apply: one run applies, against a mock whose
# values are made at apply (made at plan, they would be made again when the plan is completed, and
# terraform would report the plan inconsistent).

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_redshift_cluster" {
    defaults = {
      arn                        = "arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"
      endpoint                   = "rsq-dwh.abc123xyz789.eu-west-1.redshift.amazonaws.com:5439"
      master_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift!rsq-dwh-admin-AbCdEf"
    }
  }
}

mock_provider "aws" {
  alias = "at_apply"
}

variables {
  cluster_identifier = "rsq-dwh"
  node_type          = "ra3.large"
  master_username    = "rsadmin"
  subnet_ids         = ["subnet-0aaa1111", "subnet-0bbb2222"]
  security_group_ids = ["sg-0ccc3333"]
  tags               = { rsqgen = "demo" }
}

run "single_node_cluster_is_private_encrypted_and_logged" {
  command = plan

  assert {
    condition     = aws_redshift_subnet_group.this.name == "rsq-dwh-subnets" && aws_redshift_subnet_group.this.subnet_ids == toset(["subnet-0aaa1111", "subnet-0bbb2222"])
    error_message = "The subnet group is <identifier>-subnets over var.subnet_ids."
  }

  assert {
    condition     = aws_redshift_parameter_group.this.name == "rsq-dwh-params" && aws_redshift_parameter_group.this.family == "redshift-1.0"
    error_message = "The parameter group is <identifier>-params of family redshift-1.0."
  }

  assert {
    condition     = toset([for p in aws_redshift_parameter_group.this.parameter : "${p.name}=${p.value}"]) == toset(["require_ssl=true", "enable_user_activity_logging=true"])
    error_message = "The parameter group requires SSL and turns user activity logging on, and sets nothing else."
  }

  assert {
    condition     = aws_redshift_cluster.this.cluster_identifier == "rsq-dwh" && aws_redshift_cluster.this.node_type == "ra3.large"
    error_message = "The cluster has var.cluster_identifier and var.node_type."
  }

  assert {
    condition     = aws_redshift_cluster.this.cluster_type == "single-node" && aws_redshift_cluster.this.number_of_nodes == 1
    error_message = "One node makes a single-node cluster."
  }

  assert {
    condition     = aws_redshift_cluster.this.manage_master_password == true && aws_redshift_cluster.this.master_password == null
    error_message = "Redshift manages the administrator password: none in code or state."
  }

  assert {
    condition     = aws_redshift_cluster.this.encrypted == true
    error_message = "The cluster is always encrypted."
  }

  assert {
    condition     = aws_redshift_cluster.this.publicly_accessible == false
    error_message = "The cluster is never publicly accessible."
  }

  assert {
    condition     = aws_redshift_cluster.this.enhanced_vpc_routing == true
    error_message = "Enhanced VPC routing is on by default."
  }

  assert {
    condition     = aws_redshift_cluster.this.cluster_subnet_group_name == "rsq-dwh-subnets" && aws_redshift_cluster.this.cluster_parameter_group_name == "rsq-dwh-params"
    error_message = "The cluster uses the module's subnet and parameter groups."
  }

  assert {
    condition     = aws_redshift_cluster.this.vpc_security_group_ids == toset(["sg-0ccc3333"])
    error_message = "The cluster uses var.security_group_ids."
  }

  assert {
    condition     = aws_redshift_cluster.this.database_name == "dev" && aws_redshift_cluster.this.master_username == "rsadmin"
    error_message = "The first database is dev by default; the administrator is var.master_username."
  }

  assert {
    condition     = aws_redshift_cluster.this.automated_snapshot_retention_period == 7 && aws_redshift_cluster.this.skip_final_snapshot == false
    error_message = "Snapshots are kept 7 days and destroy takes a final snapshot by default."
  }

  assert {
    condition     = aws_redshift_cluster.this.tags == tomap({ rsqgen = "demo" }) && aws_redshift_subnet_group.this.tags == tomap({ rsqgen = "demo" }) && aws_redshift_parameter_group.this.tags == tomap({ rsqgen = "demo" })
    error_message = "The cluster and its groups carry var.tags."
  }

  assert {
    condition     = aws_redshift_logging.this.cluster_identifier == "rsq-dwh" && aws_redshift_logging.this.log_destination_type == "cloudwatch"
    error_message = "The cluster's audit logs go to CloudWatch Logs."
  }

  assert {
    condition     = aws_redshift_logging.this.log_exports == toset(["connectionlog", "useractivitylog", "userlog"])
    error_message = "All three audit logs are exported by default."
  }

  assert {
    condition     = output.arn == "arn:aws:redshift:eu-west-1:111122223333:cluster:rsq-dwh"
    error_message = "Output arn is the cluster's ARN."
  }

  assert {
    condition     = output.cluster_identifier == "rsq-dwh" && output.database_name == "dev"
    error_message = "Outputs cluster_identifier and database_name are the cluster's."
  }

  assert {
    condition     = output.endpoint == "rsq-dwh.abc123xyz789.eu-west-1.redshift.amazonaws.com:5439"
    error_message = "Output endpoint is the cluster's endpoint."
  }

  assert {
    condition     = output.master_password_secret_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift!rsq-dwh-admin-AbCdEf"
    error_message = "Output master_password_secret_arn is the secret Redshift keeps the password in."
  }
}

run "several_nodes_make_a_multi_node_cluster" {
  command = plan

  variables {
    number_of_nodes = 3
    database_name   = "analytics"
    kms_key_id      = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    log_exports     = ["useractivitylog"]
  }

  assert {
    condition     = aws_redshift_cluster.this.cluster_type == "multi-node" && aws_redshift_cluster.this.number_of_nodes == 3
    error_message = "Three nodes make a multi-node cluster."
  }

  assert {
    condition     = aws_redshift_cluster.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee"
    error_message = "A given customer managed key encrypts the cluster."
  }

  assert {
    condition     = output.database_name == "analytics"
    error_message = "Output database_name follows var.database_name."
  }

  assert {
    condition     = aws_redshift_logging.this.log_exports == toset(["useractivitylog"])
    error_message = "The exported logs are var.log_exports."
  }
}

run "skip_final_snapshot_names_no_snapshot" {
  command = plan

  variables {
    skip_final_snapshot = true
  }

  assert {
    condition     = aws_redshift_cluster.this.skip_final_snapshot == true && aws_redshift_cluster.this.final_snapshot_identifier == null
    error_message = "Without a final snapshot there is no snapshot identifier."
  }
}

run "final_snapshot_name_carries_the_creation_time" {
  command = apply

  providers = {
    aws = aws.at_apply
  }

  assert {
    condition     = can(regex("^rsq-dwh-final-[0-9]{14}$", aws_redshift_cluster.this.final_snapshot_identifier))
    error_message = "The final snapshot is <identifier>-final-<YYYYMMDDhhmmss of creation>, unique per cluster."
  }

  assert {
    condition     = aws_redshift_cluster.this.final_snapshot_identifier == "rsq-dwh-final-${formatdate("YYYYMMDDhhmmss", terraform_data.created.output)}"
    error_message = "The final snapshot's time is the time terraform_data.created recorded."
  }
}

run "identifier_with_uppercase_is_refused" {
  command = plan

  variables {
    cluster_identifier = "Rsq-dwh"
  }

  expect_failures = [var.cluster_identifier]
}

run "identifier_with_a_double_hyphen_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq--dwh"
  }

  expect_failures = [var.cluster_identifier]
}

run "identifier_ending_in_a_hyphen_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh-"
  }

  expect_failures = [var.cluster_identifier]
}

run "identifier_longer_than_63_is_refused" {
  command = plan

  variables {
    cluster_identifier = "rsq-dwh-01234567890123456789012345678901234567890123456789012345"
  }

  expect_failures = [var.cluster_identifier]
}

run "zero_nodes_is_refused" {
  command = plan

  variables {
    number_of_nodes = 0
  }

  expect_failures = [var.number_of_nodes]
}

run "fractional_nodes_is_refused" {
  command = plan

  variables {
    number_of_nodes = 2.5
  }

  expect_failures = [var.number_of_nodes]
}

run "no_subnets_is_refused" {
  command = plan

  variables {
    subnet_ids = []
  }

  expect_failures = [var.subnet_ids]
}

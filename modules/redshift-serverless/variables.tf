variable "namespace_name" {
  description = "Name of the Redshift Serverless namespace (3-64 lowercase letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.namespace_name))
    error_message = "The namespace name must be 3-64 lowercase letters, digits and hyphens."
  }
}

variable "workgroup_name" {
  description = "Name of the workgroup (3-64 lowercase letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.workgroup_name))
    error_message = "The workgroup name must be 3-64 lowercase letters, digits and hyphens."
  }
}

variable "database_name" {
  description = "Name of the first database."
  type        = string
  default     = "dev"
}

variable "admin_username" {
  description = "Administrator user name. Its password is generated and kept by Redshift in Secrets Manager."
  type        = string
}

variable "base_capacity" {
  description = "Base capacity in Redshift Processing Units (8-1024, in steps of 8)."
  type        = number
  default     = 8

  validation {
    condition     = var.base_capacity >= 8 && var.base_capacity <= 1024 && var.base_capacity % 8 == 0
    error_message = "The base capacity is 8 to 1024 RPUs, in steps of 8."
  }
}

variable "subnet_ids" {
  description = "Subnets of the workgroup (in at least three Availability Zones)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "VPC security groups; empty means the VPC's default group."
  type        = list(string)
  default     = []
}

variable "kms_key_id" {
  description = "ARN of a customer managed KMS key for the namespace's data, or null for the AWS owned key."
  type        = string
  default     = null
}

variable "log_exports" {
  description = "Audit logs sent to CloudWatch Logs."
  type        = list(string)
  default     = ["connectionlog", "useractivitylog", "userlog"]
}

variable "tags" {
  description = "Tags for the namespace and workgroup."
  type        = map(string)
  default     = {}
}

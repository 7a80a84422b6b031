variable "cluster_identifier" {
  description = "Cluster identifier: lowercase letters, digits and single hyphens, starting with a letter, at most 63 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.cluster_identifier)) && length(var.cluster_identifier) <= 63
    error_message = "The cluster identifier must start with a letter, use lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 63 characters."
  }
}

variable "node_type" {
  description = "Node type, e.g. ra3.large or ra3.xlplus."
  type        = string
}

variable "number_of_nodes" {
  description = "Number of compute nodes; 1 makes a single-node cluster."
  type        = number
  default     = 1

  validation {
    condition     = var.number_of_nodes >= 1 && floor(var.number_of_nodes) == var.number_of_nodes
    error_message = "The number of nodes must be a whole number of at least 1."
  }
}

variable "database_name" {
  description = "Name of the first database."
  type        = string
  default     = "dev"
}

variable "master_username" {
  description = "Administrator user name. Its password is generated and kept by Redshift in Secrets Manager."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets for the cluster subnet group (private subnets of your VPC)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "At least one subnet is needed."
  }
}

variable "security_group_ids" {
  description = "VPC security groups for the cluster; empty means the VPC's default group."
  type        = list(string)
  default     = []
}

variable "kms_key_id" {
  description = "ARN of a customer managed KMS key for the cluster's data, or null for the AWS owned key (the cluster is encrypted either way)."
  type        = string
  default     = null
}

variable "enhanced_vpc_routing" {
  description = "Force COPY and UNLOAD traffic through the VPC (needs an S3 VPC endpoint or NAT for those)."
  type        = bool
  default     = true
}

variable "automated_snapshot_retention_period" {
  description = "Days to keep automated snapshots (1-35)."
  type        = number
  default     = 7
}

variable "skip_final_snapshot" {
  description = "Whether destroy deletes the cluster without a final snapshot."
  type        = bool
  default     = false
}

variable "log_exports" {
  description = "Audit logs sent to CloudWatch Logs."
  type        = list(string)
  default     = ["connectionlog", "useractivitylog", "userlog"]
}

variable "tags" {
  description = "Tags for the cluster and its groups."
  type        = map(string)
  default     = {}
}

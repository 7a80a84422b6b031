variable "alias" {
  description = "Alias of the key, e.g. alias/analytics-rsqgen."
  type        = string

  validation {
    condition     = can(regex("^alias/[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "alias/aws/")
    error_message = "The alias is alias/<name> (letters, digits, /_-); alias/aws/ is reserved for AWS."
  }
}

variable "description" {
  description = "Description of the key."
  type        = string
  default     = "Encrypts the SNS topics and EventBridge Scheduler payloads of Redshift scheduled queries (rsqgen)"
}

variable "account_id" {
  description = "AWS account that owns the key; its root administers it (IAM policies grant its use)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account id must be 12 digits."
  }
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "eventbridge_may_publish" {
  description = "Let events.amazonaws.com use the key (Decrypt, GenerateDataKey*), for topics that EventBridge rules publish to."
  type        = bool
  default     = true
}

variable "deletion_window_in_days" {
  description = "Waiting period before the key is deleted after destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "The deletion window is 7 to 30 days."
  }
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}

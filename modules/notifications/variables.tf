variable "name" {
  description = "Name of the SNS topic (also used for the KMS key alias)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "The topic name must be 1-256 characters of letters, digits, _ and -."
  }
}

variable "account_id" {
  description = "AWS account that owns the topic and its key; its root administers the key."
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

variable "publisher_rule_arns" {
  description = "ARNs of the EventBridge rules allowed to publish to the topic. The topic policy names them exactly."
  type        = list(string)
  default     = []
}

variable "emails" {
  description = "Email addresses to subscribe. Each recipient must confirm the subscription from the email AWS sends."
  type        = list(string)
  default     = []
}

variable "kms_key" {
  description = "A customer managed key to encrypt the topic with instead of its own (one shared by the spec, or an existing one whose policy lets events.amazonaws.com use it), or null. An object, so that whether it is set is known at plan time even before the key exists."
  type = object({
    arn = string
  })
  default = null
}

variable "key_deletion_window_in_days" {
  description = "Waiting period before the topic's KMS key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for the topic and its key."
  type        = map(string)
  default     = {}
}

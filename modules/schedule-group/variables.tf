variable "name" {
  description = "Name of the schedule group holding the spec's EventBridge Scheduler schedules."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-zA-Z._-]{1,64}$", var.name))
    error_message = "The group name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "account_id" {
  description = "AWS account that owns the key; its root administers it."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "kms_key" {
  description = "A customer managed key for the schedules' payloads instead of the group's own (shared by the spec, or an existing one), or null. An object: whether it is set is known at plan time."
  type = object({
    arn = string
  })
  default = null
}

variable "key_deletion_window_in_days" {
  description = "Waiting period before the payload key is deleted after destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for the group and its key."
  type        = map(string)
  default     = {}
}

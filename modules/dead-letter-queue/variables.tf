variable "name" {
  description = "Name of the SQS dead-letter queue."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.name))
    error_message = "The queue name must be 1-80 characters of letters, digits, _ and -."
  }
}

variable "source_rule_arns" {
  description = "EventBridge rules whose undeliverable events may be sent to the queue (Scheduler sends through the execution role instead)."
  type        = list(string)
  default     = []
}

variable "message_retention_seconds" {
  description = "How long a failed invocation stays in the queue (at most 14 days)."
  type        = number
  default     = 1209600
}

variable "tags" {
  description = "Tags for the queue."
  type        = map(string)
  default     = {}
}

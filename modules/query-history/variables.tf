variable "rule_name" {
  description = "Name of the rule that takes the statements' status change events to the log group (also the log resource policy's name)."
  type        = string

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.rule_name))
    error_message = "The rule name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "log_group_name" {
  description = "Name of the CloudWatch Logs group, under /aws/events/ as EventBridge's own log targets are."
  type        = string

  validation {
    condition     = startswith(var.log_group_name, "/aws/events/") && can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", var.log_group_name))
    error_message = "The log group name starts with /aws/events/ and has at most 512 characters of letters, digits and ._-/#."
  }
}

variable "retain_days" {
  description = "Days the log group keeps the events."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retain_days)
    error_message = "CloudWatch Logs keeps events 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days."
  }
}

variable "statement_prefix" {
  description = "Every scheduled query's statement name starts with it (QS2-, or QS2-<query_prefix>)."
  type        = string

  validation {
    condition     = length(var.statement_prefix) > 0
    error_message = "The statement prefix must not be empty: the rule would keep every statement of the account."
  }
}

variable "statement_names" {
  description = "Statement names outside the prefix to keep too (schedules adopted with their own names), matched exactly."
  type        = list(string)
  default     = []
}

variable "account_id" {
  description = "The account whose history rule may write to the log group (aws:SourceAccount)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account id must be 12 digits."
  }
}

variable "tags" {
  description = "Tags for the log group and the rule."
  type        = map(string)
  default     = {}
}

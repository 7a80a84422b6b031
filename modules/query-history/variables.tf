variable "rule_name" {
  description = "Name of the rule that takes the statements' status change events to the log group (also the log resource policy's name)."
  type        = string

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.rule_name))
    error_message = "The rule name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "log_group_name" {
  description = "Name of the CloudWatch Logs group. Not under /aws/events/: the EventBridge console's account-wide resource policy lets every rule write there."
  type        = string

  validation {
    condition     = !startswith(var.log_group_name, "/aws/events/") && can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", var.log_group_name))
    error_message = "The log group name has at most 512 characters of letters, digits and ._-/#, and is not under /aws/events/ (the EventBridge console's account-wide policy lets any rule write there)."
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

variable "writer_policy" {
  description = "The log group's resource policy document (Version, Statement), decided by rsqgen: EventBridge may create log streams in this group, and only the history rule may put events (aws:SourceArn)."
  type        = any

  validation {
    condition = alltrue([
      for s in var.writer_policy.Statement : !anytrue([for op, kv in try(s.Condition, {}) : contains(keys(kv), "aws:SourceAccount")])
    ])
    error_message = "No aws:SourceAccount condition: EventBridge's troubleshooting guide says it prevents EventBridge from invoking the target."
  }

  # Actions as a string or a list, and no wildcard: "logs:*" or "logs:Put*" would grant
  # PutLogEvents without the check below seeing it.
  validation {
    condition = alltrue(flatten([
      for s in var.writer_policy.Statement : [for a in flatten([try(s.Action, [])]) : contains(["logs:CreateLogStream", "logs:PutLogEvents"], a)]
    ]))
    error_message = "The history log group's policy grants only logs:CreateLogStream and logs:PutLogEvents, named exactly (no wildcard)."
  }

  validation {
    condition     = alltrue([for s in var.writer_policy.Statement : !contains(flatten([try(s.Action, [])]), "logs:PutLogEvents") || can(s.Condition.ArnEquals["aws:SourceArn"])])
    error_message = "PutLogEvents is allowed only with an aws:SourceArn condition (the history rule): any other rule could write runs into the history."
  }
}

variable "tags" {
  description = "Tags for the log group and the rule."
  type        = map(string)
  default     = {}
}

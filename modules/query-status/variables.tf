variable "name" {
  description = "Name of the rule that forwards the statement's status change events."
  type        = string

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.name))
    error_message = "The rule name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "statement_name" {
  description = "Data API statement name of the scheduled query (QS2-<name>); the query must run with with_event = true."
  type        = string
}

variable "states" {
  description = "Statement states to forward: FINISHED, FAILED, ABORTED."
  type        = list(string)

  validation {
    condition     = length(var.states) > 0 && alltrue([for s in var.states : contains(["FINISHED", "FAILED", "ABORTED"], s)])
    error_message = "States must be a non-empty list of FINISHED, FAILED and ABORTED."
  }
}

variable "topic_arn" {
  description = "SNS topic that receives the events."
  type        = string
}

variable "enabled" {
  description = "Whether the rule forwards events (follows the query's own state)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the rule."
  type        = map(string)
  default     = {}
}

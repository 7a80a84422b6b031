variable "group_name" {
  description = "Name of the IAM group whose members may assume the schedule role."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,128}$", var.group_name))
    error_message = "The group name must be 1-128 characters of letters, digits and +=,.@_-."
  }
}

variable "users" {
  description = "IAM users to put in the group, keyed by user name. create = true creates the user (at path); false adds an existing user, read at plan time so that a wrong name or path fails before anything is created."
  type = map(object({
    create = bool
    path   = optional(string, "/")
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for name, _ in var.users : can(regex("^[\\w+=,.@-]{1,64}$", name))])
    error_message = "User names must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "policy_name" {
  description = "Name of the group's inline policy."
  type        = string
  default     = "assume-schedule-role"
}

variable "statements" {
  description = "Statements of the group's inline policy: sts:AssumeRole on the schedule role, and the console permissions to manage its schedules."
  type = list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))), {})
  }))

  validation {
    condition = alltrue([
      for s in var.statements : alltrue([for a in s.actions : a != "*" && !endswith(a, ":*")])
    ])
    error_message = "Wildcard actions (\"*\" or \"service:*\") are not allowed."
  }

  validation {
    condition     = alltrue([for s in var.statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Every statement needs at least one action and one resource."
  }
}

variable "tags" {
  description = "Tags for the users this module creates."
  type        = map(string)
  default     = {}
}

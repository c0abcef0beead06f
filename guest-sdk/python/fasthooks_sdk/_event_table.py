# Generated from fasthooks-protocol's event table by host/protocol/src/sdk_table.rs: do not edit.
import json

EVENT_TABLE = json.loads(r"""{
  "events": {
    "SessionStart": {
      "subject": {
        "field": "source"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "Setup": {
      "subject": {
        "field": "trigger"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "InstructionsLoaded": {
      "subject": {
        "field": "load_reason"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "UserPromptSubmit": {
      "subject": null,
      "exactNames": "general",
      "takesContext": true
    },
    "UserPromptExpansion": {
      "subject": {
        "field": "command_name"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "PreToolUse": {
      "subject": {
        "field": "tool_name"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "PermissionRequest": {
      "subject": {
        "field": "tool_name"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "PermissionDenied": {
      "subject": {
        "field": "tool_name"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "PostToolUse": {
      "subject": {
        "field": "tool_name"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "PostToolUseFailure": {
      "subject": {
        "field": "tool_name"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "PostToolBatch": {
      "subject": null,
      "exactNames": "general",
      "takesContext": true
    },
    "Notification": {
      "subject": {
        "field": "notification_type"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "MessageDisplay": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "SubagentStart": {
      "subject": {
        "field": "agent_type"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "SubagentStop": {
      "subject": {
        "field": "agent_type"
      },
      "exactNames": "general",
      "takesContext": true
    },
    "TaskCreated": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "TaskCompleted": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "Stop": {
      "subject": null,
      "exactNames": "general",
      "takesContext": true
    },
    "StopFailure": {
      "subject": {
        "field": "error"
      },
      "exactNames": "narrow",
      "takesContext": false
    },
    "TeammateIdle": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "ConfigChange": {
      "subject": {
        "field": "source"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "CwdChanged": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "DirectoryAdded": {
      "subject": {
        "field": "source"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "FileChanged": {
      "subject": {
        "field": "file_path",
        "basename": true
      },
      "exactNames": "narrow",
      "takesContext": false
    },
    "WorktreeCreate": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "WorktreeRemove": {
      "subject": null,
      "exactNames": "general",
      "takesContext": false
    },
    "PreCompact": {
      "subject": {
        "field": "trigger"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "PostCompact": {
      "subject": {
        "field": "trigger"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "PreModelSwitch": {
      "subject": {
        "field": "to_model",
        "model": true
      },
      "exactNames": "general",
      "takesContext": false
    },
    "PostModelSwitch": {
      "subject": {
        "field": "to_model",
        "model": true
      },
      "exactNames": "general",
      "takesContext": true
    },
    "Elicitation": {
      "subject": {
        "field": "mcp_server_name"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "ElicitationResult": {
      "subject": {
        "field": "mcp_server_name"
      },
      "exactNames": "general",
      "takesContext": false
    },
    "SessionEnd": {
      "subject": {
        "field": "reason"
      },
      "exactNames": "general",
      "takesContext": false
    }
  },
  "knownTools": [
    "Agent",
    "Bash",
    "BashOutput",
    "Edit",
    "ExitPlanMode",
    "Glob",
    "Grep",
    "KillShell",
    "LS",
    "MultiEdit",
    "NotebookEdit",
    "Read",
    "Skill",
    "SlashCommand",
    "Task",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskUpdate",
    "TodoWrite",
    "WebFetch",
    "WebSearch",
    "Write"
  ]
}""")

"""The baseline for `scripts/bench.sh`: the same deny hook as the guard plugin's `rm -rf`
rule, written with the Python framework fasthooks (0.1.4, pinned in scripts/bench.sh)."""

from fasthooks import HookApp, deny

app = HookApp()


@app.pre_tool("Bash")
def no_rm_rf(event):
    if "rm -rf /" in (event.command or ""):
        return deny("Dangerous command")
    return None


if __name__ == "__main__":
    app.run()

#compdef sd
# zsh completion for sd (salesdiary). Install: `sd completion install zsh`, or copy this file
# to a folder on $fpath as _sd before compinit runs.
#
# sd prints the candidates as data: value and hint, each ended by a NUL byte. They are handed
# to compadd as they are; nothing sd prints is ever evaluated, so a name such as `X$(cmd)`
# or "A`cmd`" in the journal is offered, and inserted quoted, as the text it is.

_sd() {
  local -a reply values shown
  local out i
  out="$(_SD_COMPLETE=complete_zsh0 _TYPER_COMPLETE_ARGS="${words[1,CURRENT]}" command sd 2>/dev/null)"
  reply=("${(@0)out}")
  if (( ${#reply} < 2 )); then
    _files
    return
  fi
  for (( i = 1; i < ${#reply}; i += 2 )); do
    values+=("${reply[i]}")
    if [[ -n ${reply[i+1]} ]]; then
      shown+=("${reply[i]//$'\n'/\\n}  -- ${reply[i+1]}")
    else
      shown+=("${reply[i]//$'\n'/\\n}")
    fi
  done
  compadd -l -d shown -a values
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  # autoloaded from $fpath by compinit: this first call completes too
  _sd "$@"
else
  # sourced (e.g. `source sd.zsh` in ~/.zshrc after compinit)
  compdef _sd sd
fi

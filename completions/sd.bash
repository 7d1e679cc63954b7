# bash completion for sd (salesdiary), bash 4.4 or later. Install: `sd completion install bash`,
# or `source` this file in ~/.bashrc.
#
# sd prints the candidates as data, each ended by a NUL byte; each is quoted with printf %q
# before it goes into COMPREPLY (after an opening quote, readline quotes them for inside it). Nothing sd prints is ever evaluated or expanded, so a name
# such as `X$(cmd)` in the journal is inserted as the quoted text `X\$\(cmd\)`.

_sd_completion() {
    local line=${COMP_LINE:0:COMP_POINT} cur=${COMP_WORDS[COMP_CWORD]} value quoted
    local -a found
    mapfile -d '' -t found < <(_SD_COMPLETE=complete_bash0 _TYPER_COMPLETE_ARGS="$line" command sd 2>/dev/null)
    COMPREPLY=()
    # readline replaces only the text after the last word-break character (`:`, `=` …) of the word:
    # what stands before it in the same word (the COMP_WORDS before CUR with no space between)
    # is dropped from each candidate.
    local i=$COMP_CWORD rest=$line before=""
    if [[ ${#cur} == 1 && $COMP_WORDBREAKS == *"$cur"* ]]; then
        before=$cur
        cur=""
    fi
    rest=${rest%"$before$cur"}
    while (( i > 1 )) && [[ -n $rest && $rest != *[[:space:]] ]]; do
        (( i-- ))
        [[ $rest == *"${COMP_WORDS[i]}" ]] || break
        before=${COMP_WORDS[i]}$before
        rest=${rest%"${COMP_WORDS[i]}"}
    done
    # after an opening quote, readline quotes the candidates itself, for inside that quote
    if [[ $cur == [\'\"]* ]]; then
        compopt -o filenames
        COMPREPLY=("${found[@]}")
        return 0
    fi
    for value in "${found[@]}"; do
        printf -v quoted '%q' "$value"
        if [[ -n $before ]]; then
            [[ $quoted == "$before"* ]] || continue
            quoted=${quoted#"$before"}
        fi
        COMPREPLY+=("$quoted")
    done
    return 0
}

complete -o default -F _sd_completion sd

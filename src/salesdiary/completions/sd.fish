# fish completion for sd (salesdiary). Install: `sd completion install fish`, or copy this file
# to ~/.config/fish/completions/sd.fish.
#
# sd prints the candidates as data ("value<TAB>hint", each ended by a NUL byte); fish offers
# each as it is and quotes it when inserting. Nothing sd prints is ever evaluated.

function __sd_complete
    set -l found (env _SD_COMPLETE=complete_fish0 _TYPER_COMPLETE_ARGS=(commandline -cp | string collect) sd 2>/dev/null | string split0)
    if test (count $found) -eq 0
        __fish_complete_path (commandline -ct) | string join0
        return
    end
    string join0 -- $found
end

complete --command sd --no-files --arguments '(__sd_complete | string split0)'

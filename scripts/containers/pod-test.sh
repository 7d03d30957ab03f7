ct_log "pod test: TODO"

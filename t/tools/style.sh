#!/bin/sh
# The style check of make test: C sources stay within 80 columns, with no
# tabs and no trailing spaces, as nginx's own sources do.

status=0
files=$(ls ngx_http_interloom_module.c src/*.c src/*.h t/unit/*.c t/unit/*.h \
        2>/dev/null)

for f in $files; do
    awk -v f="$f" '
        length($0) > 80 { printf "%s:%d: longer than 80 columns\n", f, NR; bad = 1 }
        /\t/            { printf "%s:%d: tab\n", f, NR; bad = 1 }
        / +$/           { printf "%s:%d: trailing space\n", f, NR; bad = 1 }
        END             { exit bad }
    ' "$f" || status=1
done

if [ $status -eq 0 ]; then
    echo "style: $(echo $files | wc -w) files ok"
fi

exit $status

#!/bin/sh
# Installs the Debian packages named as arguments that are not installed
# yet; does nothing when all are there.  Services the packages would start
# (nginx on port 80, a system Redis) are kept from starting: the tests start
# their own, on loopback.

missing=
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q 'install ok installed'
    then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "installing:$missing"

sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo

policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
    $sudo chmod 755 $policy
    own_policy=yes
fi

status=0
$sudo apt-get update -q || status=$?
if [ $status -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
        --no-install-recommends $missing || status=$?
fi

[ $own_policy = yes ] && $sudo rm -f $policy

exit $status

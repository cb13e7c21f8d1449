# ngx_http_interloom_module on Debian bookworm's own nginx.
#
# The build stage runs the Makefile's targets (the same ones make test
# exercises); the final stage is the distro nginx plus the module and the
# example configuration.

FROM debian:bookworm AS build

WORKDIR /src
COPY . .
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && make deps \
 && make module

FROM debian:bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        nginx libjansson4 libhiredis0.14 libjwt0 libpcre2-8-0 libssl3 \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /src/build/ngx_http_interloom_module.so \
                  /usr/lib/nginx/modules/ngx_http_interloom_module.so
COPY conf/nginx.conf /etc/nginx/nginx.conf
COPY docs/openapi.json /etc/nginx/interloom/openapi.json

# The example listens on 127.0.0.1:8080 and reads its HMAC secret from
# /etc/nginx/interloom/hs256.key, with Redis on 127.0.0.1:6379: mount your
# own nginx.conf (a listen address the container exposes, your keys, your
# Redis) over /etc/nginx/nginx.conf, or derive an image that copies it.
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]

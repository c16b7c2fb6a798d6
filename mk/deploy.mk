# deploy targets: see below

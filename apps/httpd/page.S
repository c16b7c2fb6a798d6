/*
 * httpd's built-in page, apps/httpd/index.html, as bytes in the image:
 * served at / without a disk, and the page `make bench` asks Proteus and
 * Linux for alike (the Linux side serves the same file).
 */
    .section .rodata
    .globl httpd_page, httpd_page_end
httpd_page:
    .incbin "apps/httpd/index.html"
httpd_page_end:
    .section .note.GNU-stack, "", @progbits

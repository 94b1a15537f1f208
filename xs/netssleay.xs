# The raw functions behind the Net::SSLeay stand-in (IO::Socket::SSL::NetSSLeay).

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

UV
raw_options(int is_ctx, UV ptr, UV set, UV clear)
  CODE:
    if (!ptr)
        croak("NULL SSL handle");
    RETVAL = (UV)iss_raw_options(is_ctx, INT2PTR(void *, ptr), (uint64_t)set, (uint64_t)clear);
  OUTPUT:
    RETVAL

IV
raw_mode(int is_ctx, UV ptr, IV set, IV clear)
  CODE:
    /* Net::SSLeay's contract: the caller vouches for the raw pointer */
    if (!ptr)
        croak("NULL SSL handle");
    RETVAL = iss_raw_mode(is_ctx, INT2PTR(void *, ptr), (long)set, (long)clear);
  OUTPUT:
    RETVAL

UV
raw_bio_new_file(const char *path, const char *mode)
  CODE:
    RETVAL = PTR2UV(iss_raw_bio_new_file(path, mode));
  OUTPUT:
    RETVAL

void
raw_bio_free(iss_bio *bio)
  CODE:
    if (bio)
        iss_raw_bio_free(bio);

UV
raw_pem_read_dh(iss_bio *bio)
  CODE:
    RETVAL = PTR2UV(iss_raw_pem_read_dh(bio));
  OUTPUT:
    RETVAL

void
raw_dh_free(iss_dh *dh)
  CODE:
    if (dh)
        iss_raw_dh_free(dh);


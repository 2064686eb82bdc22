/** Public host keys made once with ssh-keygen, with what `ssh-keygen -l` (and `-E md5`) printed for them. */
export const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII2j5+XqQXC+4Xg1dBwqbMPklX+dVjF1B1DyygneBmoT root@test-host';
export const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZPSxcydnoODSsaGxyeErAhfzYFxFdTLk5LVqahTwPTh4O3c4QxIhav/2ErvbKOu4sLKNc9KRfbQERr5sY60GeAY161q92QA6iVHThFGmMQ9mBMVztOQLbfmPJ5x3JebVvHQlts9IDsIOfWakFhWMLIoia+2cWNAuhbW91NnU4pncLW8S7s5Hrvskz4G7viAbFx1cZBiRN9FzuhBMrUycyrpOmqNseiPnYpZU0PR5aGlQsn9GU7YEKWerLV1MzxEQkK0J3nW4pKXSKJn7f3u4pulqxlYQE/yDBDRvz+EBCLhs+2we+vF0th/z9E3+nP0cqekBVfbwOw27csFGFx4R1 root@test-host';
export const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ0q5fU8ayqt/FnyT5JYEQ7Nn7D+AKef/PmDB6WIaJbgjfq9JFP2rv6XFI6kP8pkaehy5aZJ0eRV3gEmNkfwBaY= root@test-host';

export const KEYGEN_L = {
  ed25519: '256 SHA256:AHAY+XU8tQjan5YmQ3/Fp9Yp/q/ZQ66iXK9AYNNdiFU root@test-host (ED25519)',
  rsa: '2048 SHA256:BITfdxH30czMKQhUg7+MblylWk88D1fECvqP8vzwcS0 root@test-host (RSA)',
  ecdsa: '256 SHA256:go6xlLYal4EwGDub6JoXfYRG9RE1INqlOL8UpGJllx8 root@test-host (ECDSA)',
};
export const MD5 = {
  ed25519: 'ed:03:a0:27:ed:28:03:cf:d3:0f:f3:95:02:bd:1d:66',
  rsa: '96:56:67:30:1e:f9:be:37:76:da:c5:23:0a:d9:d6:fd',
  ecdsa: 'b4:4e:af:67:82:e8:44:39:af:d9:5d:76:e1:2b:8e:fe',
};
